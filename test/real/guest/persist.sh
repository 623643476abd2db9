# Persistent definitions in one store, mdevctl's /etc/mdevctl.d, shared by virt-mdev, Debian's mdevctl 1.2
# and libvirt 9.0's node-device driver, on the real mtty parent: each one's definitions are listed and
# started by the others, and the hook starts an unmanaged hostdev's defined but stopped device. Runs
# after libvirt.sh in the same boot (libvirtd up, our hook installed), or sets both up itself.
set -u
. "$REPO/test/real/guest/lib.sh"
. "$REPO/test/real/guest/libvirt-lib.sh"
cd "$REPO"
UV=6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a01    # defined by virt-mdev
UX=6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a0f    # the same device defined by mdevctl, for the bytes
UM=6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a02    # defined by mdevctl
UL=6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a03    # defined by virsh nodedev-define
UH=6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a04    # defined, stopped, an unmanaged hostdev of $VM
VM=definedvm
STORE=/etc/mdevctl.d/mtty
name_of() { echo "mdev_${1//-/_}_mtty"; }
type_of() { basename "$(readlink "/sys/bus/mdev/devices/$1/mdev_type" 2>/dev/null)"; }
listed() { # listed UUID ARGS...: virsh nodedev-list ARGS names the device (libvirt re-reads the store on inotify)
  vsh nodedev-list "${@:2}" > /dev/null; grep -qx "$(name_of "$1")" "$T/out"
}
libvirt_says_active() { # libvirt_says_active UUID yes|no (libvirt learns it from udev's events)
  vsh nodedev-info "$(name_of "$1")" > /dev/null; grep -q "^Active: *$2" "$T/out"
}
define_xml() { # define_xml UUID TYPE: libvirt's node-device XML for a definition on mtty
  printf '%s\n' '<device>' '  <parent>mtty_mtty</parent>' "  <capability type='mdev'>" "    <type id='$2'/>" \
    "    <uuid>$1</uuid>" '  </capability>' '</device>'
}

mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
if ! libvirt_running; then
  libvirt_config
  vm install-hook
  libvirt_start
fi
hook_ready() { libvirt_running && [ -x /etc/libvirt/hooks/qemu.d/50-virt-mdev ]; }
expect "persist: libvirtd is running with our hook" hook_ready
libvirt_running || exit 1
for d in /sys/bus/mdev/devices/*; do [ -e "$d/remove" ] && echo 1 > "$d/remove"; done

# ---- defined by virt-mdev: mdevctl lists it, libvirt lists it inactive and starts it -----------------
define_xml "$UV" mtty-2 > "$T/uv.xml"
vm nodedev-define "$T/uv.xml"
expect "persist: virt-mdev nodedev-define writes $STORE/$UV and starts nothing" \
  bash -c '[ $0 -eq 0 ] && [ -f "$1/$2" ] && [ ! -e "/sys/bus/mdev/devices/$2" ]' "$rc" "$STORE" "$UV"
mc define --parent mtty --type mtty-2 --uuid "$UX"
expect "persist: the file is byte-identical to the one mdevctl 1.2 writes for the same device" cmp "$STORE/$UV" "$STORE/$UX"
mc undefine --uuid "$UX"
mc list --defined
expect "persist: mdevctl list --defined lists virt-mdev's definition (mtty-2, manual)" grep -q "^$UV mtty mtty-2 manual" "$T/out"
expect "persist: virsh nodedev-list --inactive lists virt-mdev's definition" wait_for 60 listed "$UV" --inactive --cap mdev
vsh nodedev-start "$(name_of "$UV")"
expect "persist: virsh nodedev-start starts virt-mdev's definition on the real bus (mtty-2)" \
  bash -c '[ $0 -eq 0 ] && [ "$1" = mtty-2 ]' "$rc" "$(type_of "$UV")"
vm nodedev-info "$UV"
expect "persist: virt-mdev nodedev-info says Active: yes, Persistent: yes" \
  bash -c '[ $0 -eq 0 ] && grep -q "^Active: *yes" "$1" && grep -q "^Persistent: *yes" "$1"' "$rc" "$T/out"
vsh nodedev-destroy "$(name_of "$UV")"
expect "persist: virsh nodedev-destroy stops it and keeps virt-mdev's definition" \
  bash -c '[ $0 -eq 0 ] && [ ! -e "/sys/bus/mdev/devices/$1" ] && [ -f "$2/$1" ]' "$rc" "$UV" "$STORE"

# ---- defined by mdevctl: virt-mdev lists and starts it ---------------------------------------------
mc define --parent mtty --type mtty-2 --uuid "$UM"
vm nodedev-list --inactive
expect "persist: virt-mdev nodedev-list --inactive lists mdevctl's definition" bash -c '[ $0 -eq 0 ] && grep -qx "$1" "$2"' "$rc" "$(name_of "$UM")" "$T/out"
vm nodedev-start "$(name_of "$UM")"
expect "persist: virt-mdev nodedev-start starts mdevctl's definition on the real bus (mtty-2)" \
  bash -c '[ $0 -eq 0 ] && [ "$1" = mtty-2 ]' "$rc" "$(type_of "$UM")"
mc list
expect "persist: mdevctl list shows it running as defined" grep -q "^$UM mtty mtty-2 manual (defined)" "$T/out"
vm nodedev-destroy "$UM"
expect "persist: virt-mdev nodedev-destroy stops it and keeps mdevctl's definition" \
  bash -c '[ $0 -eq 0 ] && [ ! -e "/sys/bus/mdev/devices/$1" ] && [ -f "$2/$1" ]' "$rc" "$UM" "$STORE"

# ---- defined by libvirt: virt-mdev lists and starts it, libvirt sees it active -----------------------
define_xml "$UL" mtty-1 > "$T/ul.xml"
vsh nodedev-define "$T/ul.xml"
expect "persist: virsh nodedev-define writes $STORE/$UL" bash -c '[ $0 -eq 0 ] && [ -f "$1/$2" ]' "$rc" "$STORE" "$UL"
vm nodedev-list --inactive
expect "persist: virt-mdev nodedev-list --inactive lists libvirt's definition" bash -c '[ $0 -eq 0 ] && grep -qx "$1" "$2"' "$rc" "$(name_of "$UL")" "$T/out"
vm nodedev-start "$UL"
expect "persist: virt-mdev nodedev-start starts libvirt's definition on the real bus (mtty-1)" \
  bash -c '[ $0 -eq 0 ] && [ "$1" = mtty-1 ]' "$rc" "$(type_of "$UL")"
expect "persist: libvirt sees the device virt-mdev started as active (nodedev-info)" wait_for 60 libvirt_says_active "$UL" yes
vm nodedev-destroy "$UL"
expect "persist: virt-mdev nodedev-destroy stops libvirt's definition and keeps it" \
  bash -c '[ $0 -eq 0 ] && [ ! -e "/sys/bus/mdev/devices/$1" ] && [ -f "$2/$1" ]' "$rc" "$UL" "$STORE"

# ---- an unmanaged hostdev on a defined, stopped device: the hook starts it at prepare ----------------
define_xml "$UH" mtty-2 > "$T/uh.xml"
vm nodedev-define "$T/uh.xml"
unmanaged_domain_xml "$VM" "$UH" > "$T/vm.xml"
vsh define "$T/vm.xml"
expect "persist: $UH is defined and stopped before the VM starts" bash -c '[ -f "$0/$1" ] && [ ! -e "/sys/bus/mdev/devices/$1" ]' "$STORE" "$UH"
vsh start --paused "$VM"
expect "persist: virsh start --paused of a VM whose unmanaged hostdev is defined but stopped succeeds" [ $rc -eq 0 ]
expect "persist: our hook started the definition at prepare (mtty-2 on the real bus)" bash -c '[ "$0" = mtty-2 ]' "$(type_of "$UH")"
expect "persist: QEMU holds the device's VFIO group open" qemu_has_vfio "$VM" "$(group_of "$UH")"
vsh destroy "$VM"
expect "persist: virsh destroy of that VM succeeds" [ $rc -eq 0 ]
sleep 2
expect "persist: the admin's device stays running after release (not ours to remove)" [ -e "/sys/bus/mdev/devices/$UH" ]
vsh undefine "$VM"
vm nodedev-destroy "$UH"

# ---- clean up: every definition goes, whoever wrote it ----------------------------------------------
vm nodedev-undefine "$UV"
vm nodedev-undefine "$UM"
vsh nodedev-undefine "$(name_of "$UL")"
vm nodedev-undefine "$UH"
mc list --defined
expect "persist: after the undefines mdevctl list --defined is empty" bash -c '[ $0 -eq 0 ] && ! grep -q "[^[:space:]]" "$1"' "$rc" "$T/out"
echo "---- hook log"; tail -8 /var/log/virt-mdev/hook.log 2>/dev/null
echo "---- libvirtd log (node device, mdevctl)"; grep -i 'mdevctl' /var/log/libvirt/libvirtd.log | tail -20
exit 0
