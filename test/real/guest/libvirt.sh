# Real libvirt 9.0 (the host's, started by hand inside the guest) running our hook against the real
# mtty driver: install-hook, transform + define a domain with a managed mtty-2 device, start --paused
# (our prepare creates it, QEMU opens it), destroy (our release removes it), a start with no capacity
# left (fails with our message, leaves nothing behind), and an unmanaged device that survives.
# Everything written here lands in the guest's tmpfs overlay, never on the host.
set -u
. "$REPO/test/real/guest/lib.sh"
. "$REPO/test/real/guest/libvirt-lib.sh"
cd "$REPO"
DOM=mdevvm
UNM=unmanagedvm
U2=3f9e2a71-6c0d-4b8e-a5f2-7e1d0c9b8a01     # unmanaged, made by hand before libvirtd starts
FILL_PREFIX=3f9e2a71-6c0d-4b8e-a5f2-7e1d0c9b80
# this scenario pipes virt-mdev's output itself
vmx() { timeout 120 node "$REPO/dist/app/virt-mdev.mjs" "$@"; }
mdevs() { ls /sys/bus/mdev/devices | tr '\n' ' '; }
wait_gone() { # wait_gone UUID SECONDS
  local i=0; while [ -e "/sys/bus/mdev/devices/$1" ] && [ $i -lt $(( $2 * 5 )) ]; do sleep 0.2; i=$((i + 1)); done
  [ ! -e "/sys/bus/mdev/devices/$1" ]
}

# ---- libvirt set-up (recipe §9) -----------------------------------------------------------------
libvirt_config

# our hook, installed the way an admin does it (libvirt reads the hooks directory when it starts)
vm install-hook
expect "libvirt: virt-mdev install-hook puts an executable qemu.d/50-virt-mdev in place" \
  bash -c '[ $0 -eq 0 ] && [ -x /etc/libvirt/hooks/qemu.d/50-virt-mdev ]' "$rc"
cat /etc/libvirt/hooks/qemu.d/50-virt-mdev

# the unmanaged device exists before libvirtd starts, so libvirt's own node-device view lists it
echo "$U2" > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create

libvirt_start
expect "libvirt: libvirtd started by hand (socket after $LIBVIRT_WAITED s)" [ -S /run/libvirt/libvirt-sock ]
vsh version
expect "libvirt: virsh talks to the QEMU driver" bash -c '[ $0 -eq 0 ] && grep -q "Running hypervisor: QEMU" "$1"' "$rc" "$T/out"
if [ $rc -ne 0 ]; then
  # every later check needs the daemon: say why they are missing instead of waiting on each one
  echo "---- libvirtd log"; tail -40 /var/log/libvirt/libvirtd.log 2>/dev/null
  fail "libvirt: the libvirt scenario ran" "libvirtd did not answer; its log is in the boot's libvirt.log"
  exit 1
fi

# ---- our nodedev view vs libvirt's, on the same real host ------------------------------------------
for caps in mdev mdev_types; do
  vsh nodedev-list --cap "$caps"; sed '/^$/d' "$T/out" | sort > "$T/virsh-$caps"
  vmx nodedev-list --cap "$caps" | sort > "$T/ours-$caps"
  expect "libvirt: virt-mdev nodedev-list --cap $caps = virsh nodedev-list --cap $caps ($(tr '\n' ' ' < "$T/virsh-$caps"))" \
    bash -c '[ -s "$0" ] && diff "$0" "$1"' "$T/virsh-$caps" "$T/ours-$caps"
done

# node-device XML: ours next to libvirt's (compared after the differences libvirt is known to add)
for d in mtty_mtty "mdev_${U2//-/_}_mtty"; do
  vsh nodedev-dumpxml "$d"; cp "$T/out" "$T/virsh-$d.xml"
  vmx nodedev-dumpxml "$d" > "$T/ours-$d.xml"; cat "$T/ours-$d.xml"
  # plain files, not <(…): the guest has no /dev/fd, and a diff that cannot open its input must not pass
  sed 's/^ *//; /^$/d' "$T/virsh-$d.xml" > "$T/virsh-$d.norm"; sed 's/^ *//; /^$/d' "$T/ours-$d.xml" > "$T/ours-$d.norm"
  dif=$(diff "$T/virsh-$d.norm" "$T/ours-$d.norm" 2>&1); drc=$?
  if [ -s "$T/virsh-$d.xml" ] && [ "$drc" -eq 0 ]; then pass "libvirt: virt-mdev nodedev-dumpxml $d = virsh nodedev-dumpxml $d"
  else fail "libvirt: virt-mdev nodedev-dumpxml $d = virsh nodedev-dumpxml $d" "diff (< virsh, > ours): $(echo "$dif" | head -12 | tr '\n' ' ')"; fi
done

# ---- managed device: transform, define, start, destroy ---------------------------------------------
vmx transform "$REPO/test/real/guest/mdevvm.xml" > "$T/mdevvm.xml" 2> "$T/err"; rc=$?
cat "$T/mdevvm.xml" "$T/err"
U=$(grep -o "<address uuid='[0-9a-f-]*'" "$T/mdevvm.xml" | head -1 | cut -d"'" -f2)
expect "libvirt: virt-mdev transform turns the managed mtty-2 into libvirt's form (uuid $U)" \
  bash -c '[ $0 -eq 0 ] && [ -n "$1" ] && grep -q "virt-mdev:device" "$2"' "$rc" "$U" "$T/mdevvm.xml"
vsh define "$T/mdevvm.xml"
expect "libvirt: virsh define accepts the transformed domain" [ $rc -eq 0 ]

vsh start --paused "$DOM"
started_ok=$rc
expect "libvirt: virsh start --paused $DOM succeeds" [ $rc -eq 0 ]
expect "libvirt: our prepare created $U as mtty-2 on the real bus" \
  bash -c '[ -e /sys/bus/mdev/devices/$0 ] && [ "$(basename "$(readlink /sys/bus/mdev/devices/$0/mdev_type)")" = mtty-2 ]' "$U"
G=$(group_of "$U" 2>/dev/null)
expect "libvirt: QEMU holds the device's VFIO group open (/dev/vfio/${G:-?})" qemu_has_vfio "$DOM" "${G:-none}"
pid=$(cat /run/libvirt/qemu/$DOM.pid 2>/dev/null); [ -n "$pid" ] && ls -l /proc/$pid/fd | grep vfio
expect "libvirt: our hook logged the prepare" bash -c 'grep -q "prepare" /var/log/virt-mdev/hook.log'
vm ledger

vsh destroy "$DOM"
expect "libvirt: virsh destroy $DOM succeeds" [ $rc -eq 0 ]
expect "libvirt: our release removed $U" wait_gone "$U" 60
expect "libvirt: the unmanaged $U2 is untouched by another domain's life" [ -e "/sys/bus/mdev/devices/$U2" ]

# ---- no capacity left: fill mtty by hand, start must fail with our message and leave nothing ----------
fill=()
n=$(cat /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/available_instances)
for i in $(seq 10 $((9 + n))); do f=$FILL_PREFIX$i; echo "$f" > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create && fill+=("$f"); done
before=$(mdevs)
echo "filled with ${#fill[@]} mtty-2 devices; mtty-2 now offers $(cat /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/available_instances)"
vsh start --paused "$DOM"
expect "libvirt: a start with no capacity left fails" [ $rc -ne 0 ]
expect "libvirt: the virsh error carries our message (virt-mdev: …)" grep -q 'virt-mdev' "$T/err"
sleep 1
expect "libvirt: the failed start left no device behind" bash -c '[ "$(ls /sys/bus/mdev/devices | tr "\n" " ")" = "$0" ] && [ ! -e /sys/bus/mdev/devices/$1 ]' "$before" "$U"
vsh domstate "$DOM"
expect "libvirt: the domain is shut off after the failed start" grep -q 'shut off' "$T/out"
for f in "${fill[@]}"; do echo 1 > "/sys/bus/mdev/devices/$f/remove"; done

# ---- unmanaged device: libvirt's own form, pre-created by hand ---------------------------------------
unmanaged_domain_xml "$UNM" "$U2" > "$T/unm.xml"
vsh define "$T/unm.xml"
vsh start --paused "$UNM"
expect "libvirt: virsh start --paused with an unmanaged mdev succeeds" [ $rc -eq 0 ]
expect "libvirt: QEMU holds the unmanaged device's VFIO group open" qemu_has_vfio "$UNM" "$(group_of "$U2")"
vsh destroy "$UNM"
expect "libvirt: virsh destroy of the unmanaged domain succeeds" [ $rc -eq 0 ]
sleep 2
expect "libvirt: the unmanaged device survives start and destroy" [ -e "/sys/bus/mdev/devices/$U2" ]
echo 1 > "/sys/bus/mdev/devices/$U2/remove"

libvirt_save_caps
echo "---- hook log"; cat /var/log/virt-mdev/hook.log 2>/dev/null | tail -20
echo "---- libvirtd log (hook lines)"; grep -i 'hook' /var/log/libvirt/libvirtd.log | tail -30
# libvirtd stays up for the scenarios that follow in this boot (persist)
exit 0
