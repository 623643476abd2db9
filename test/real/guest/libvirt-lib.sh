# libvirt 9.0 inside the guest, set up and started by hand (recipe §9): sourced by the scenarios that talk
# to it. Everything written here lands in the guest's tmpfs overlay, never on the host.
CAPS_SHARE=$OUT/cache/qemu-capabilities
CAPS=/var/cache/libvirt/qemu/capabilities

libvirt_config() {
  grep -q '^libvirt-qemu:' /etc/passwd || echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin' >> /etc/passwd
  grep -q '^libvirt-qemu:' /etc/group || printf '%s\n' 'libvirt-qemu:x:64055:' 'kvm:x:64056:libvirt-qemu' 'libvirt:x:64057:' >> /etc/group
  mkdir -p /etc/libvirt/hooks /var/lib/libvirt "$CAPS" /var/log/libvirt /run/lock
  # chroot: QEMU's private /dev namespace would miss /dev/vfio/N, hence namespaces = [ ]
  printf '%s\n' 'user = "root"' 'group = "root"' 'security_driver = "none"' 'namespaces = [ ]' > /etc/libvirt/qemu.conf
  printf '%s\n' 'log_level = 3' 'log_filters = "1:util.hook 1:util.mdev 1:qemu.qemu_hostdev 1:node_device 1:util.virmdev"' \
    'log_outputs = "1:file:/var/log/libvirt/libvirtd.log"' > /etc/libvirt/libvirtd.conf
  [ -d "$CAPS_SHARE" ] && cp "$CAPS_SHARE"/*.xml "$CAPS/" 2>/dev/null
  return 0
}

libvirt_running() { [ -S /run/libvirt/libvirt-sock ] && kill -0 "$(cat /run/libvirtd.pid 2>/dev/null)" 2>/dev/null; }

# libvirt_start: virtlogd and libvirtd in the environment a service manager gives (libvirt hands hooks and
# mdevctl little more than this PATH); waits up to 120 s for the socket, sets LIBVIRT_WAITED (seconds)
libvirt_start() {
  # as on a host, udevd runs: libvirt's node-device driver learns that a device appeared or went (after
  # nodedev-start, nodedev-destroy, or a hook) only from udev's events, not from the kernel's
  pgrep -x systemd-udevd > /dev/null || /lib/systemd/systemd-udevd --daemon
  env -i PATH=/bin:/sbin LC_ALL=C HOME=/ /usr/sbin/virtlogd -d
  env -i PATH=/bin:/sbin LC_ALL=C HOME=/ /usr/sbin/libvirtd -d
  local i=0; while [ ! -S /run/libvirt/libvirt-sock ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
  LIBVIRT_WAITED=$((i / 5))
  [ -S /run/libvirt/libvirt-sock ]
}

# leave the QEMU capabilities cache for the next run (saves 10-25 s of probing)
libvirt_save_caps() { mkdir -p "$CAPS_SHARE" && cp "$CAPS"/*.xml "$CAPS_SHARE/" 2>/dev/null; }

group_of() { basename "$(readlink "/sys/bus/mdev/devices/$1/iommu_group")"; }
qemu_has_vfio() { # qemu_has_vfio DOMAIN GROUP: QEMU of DOMAIN holds /dev/vfio/GROUP open
  local pid; pid=$(cat "/run/libvirt/qemu/$1.pid" 2>/dev/null) || return 1
  ls -l "/proc/$pid/fd" 2>/dev/null | grep -q " /dev/vfio/$2\$"
}
# domain_xml NAME HOSTDEV: a minimal domain around one hostdev element (TCG, started --paused: no guest OS needed)
domain_xml() {
  cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    $2
    <memballoon model='none'/>
  </devices>
</domain>
XML
}
# unmanaged_domain_xml NAME UUID: libvirt's own form of a domain with one unmanaged mdev hostdev
unmanaged_domain_xml() {
  domain_xml "$1" "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='$2'/></source></hostdev>"
}
