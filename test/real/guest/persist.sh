# Persistent definitions shared by mdevctl, libvirt 9.0's node-device driver and virt-mdev, on the real
# mtty parent. Runs after libvirt.sh in the same boot (libvirtd already up), or starts libvirtd itself.
set -u
. "$REPO/test/real/guest/lib.sh"
. "$REPO/test/real/guest/libvirt-lib.sh"
cd "$REPO"
UM=6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a01    # defined by mdevctl
UL=6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a02    # defined by virsh nodedev-define
name_of() { echo "mdev_${1//-/_}_mtty"; }
active() { [ -e "/sys/bus/mdev/devices/$1" ]; }
listed() { # listed UUID ARGS...: virsh nodedev-list ARGS names the device
  vsh nodedev-list "${@:2}" > /dev/null; grep -qx "$(name_of "$1")" "$T/out"
}

mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
if ! libvirt_running; then
  libvirt_config
  libvirt_start
fi
expect "persist: libvirtd is running" libvirt_running
[ -S /run/libvirt/libvirt-sock ] || exit 1

# ---- mdevctl define → libvirt sees it inactive, starts and stops it ---------------------------------
mc define --parent mtty --type mtty-2 --uuid "$UM"
t0=$(date +%s)
expect "persist: a device defined by mdevctl is listed by virsh nodedev-list --inactive" wait_for 20 listed "$UM" --inactive --cap mdev
echo "libvirt saw it after $(( $(date +%s) - t0 )) s"
vsh nodedev-info "$(name_of "$UM")"
expect "persist: virsh nodedev-info says Active: no, Persistent: yes" bash -c 'grep -q "^Active: *no" "$0" && grep -q "^Persistent: *yes" "$0"' "$T/out"
vsh nodedev-start "$(name_of "$UM")"
expect "persist: virsh nodedev-start starts it on the real bus" bash -c '[ $0 -eq 0 ] && [ -e /sys/bus/mdev/devices/$1 ]' "$rc" "$UM"
info_active() { vsh nodedev-info "$(name_of "$1")" > /dev/null; grep -q "^Active: *$2" "$T/out"; }
expect "persist: libvirt sees it active afterwards (nodedev-info)" wait_for 20 info_active "$UM" yes
vsh nodedev-destroy "$(name_of "$UM")"
expect "persist: virsh nodedev-destroy stops it and keeps the definition" \
  bash -c '[ $0 -eq 0 ] && [ ! -e /sys/bus/mdev/devices/$1 ] && [ -f /etc/mdevctl.d/mtty/$1 ]' "$rc" "$UM"

# ---- virsh nodedev-define → mdevctl's store --------------------------------------------------------
cat > "$T/def.xml" <<XML
<device>
  <parent>mtty_mtty</parent>
  <capability type='mdev'>
    <type id='mtty-1'/>
    <uuid>$UL</uuid>
  </capability>
</device>
XML
vsh nodedev-define "$T/def.xml"
expect "persist: virsh nodedev-define writes /etc/mdevctl.d/mtty/$UL" bash -c '[ $0 -eq 0 ] && [ -f /etc/mdevctl.d/mtty/$1 ]' "$rc" "$UL"
cat "/etc/mdevctl.d/mtty/$UL"; echo
mc list --defined
expect "persist: mdevctl list --defined shows both" bash -c 'grep -q "^$1 mtty mtty-2" "$0" && grep -q "^$2 mtty mtty-1" "$0"' "$T/out" "$UM" "$UL"

vsh nodedev-undefine "$(name_of "$UL")"
vsh nodedev-undefine "$(name_of "$UM")"
expect "persist: virsh nodedev-undefine removes both definitions" bash -c '[ ! -e /etc/mdevctl.d/mtty/$0 ] && [ ! -e /etc/mdevctl.d/mtty/$1 ]' "$UM" "$UL"
echo "---- libvirtd log (node device)"; grep -i 'mdevctl\|node_device' /var/log/libvirt/libvirtd.log | tail -30
exit 0
