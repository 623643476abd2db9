# Runs under Debian's systemd as PID 1 (the systemd boot), after udev.sh proved the udev → systemd path:
# with virt-mdev's units and rule installed by `virt-mdev install`, loading mtty.ko starts the mtty
# parent's auto definitions through 61-virt-mdev.rules and virt-mdev-autostart@mtty.service, with no
# command from the test; the manual one stays stopped. Then the boot unit virt-mdev-autostart.service runs
# under systemd too.
set -u
. "$REPO/test/real/guest/lib.sh"
cd "$REPO"
A1=8c2d4e6f-1a3b-4c5d-9e7f-0a1b2c3d4e01    # mtty-1, auto
A2=8c2d4e6f-1a3b-4c5d-9e7f-0a1b2c3d4e02    # mtty-2, auto
M1=8c2d4e6f-1a3b-4c5d-9e7f-0a1b2c3d4e03    # mtty-2, manual
UNIT=virt-mdev-autostart@mtty.service
active() { [ -e "/sys/bus/mdev/devices/$1" ]; }
both_auto_active() { active "$A1" && active "$A2"; }
type_of() { basename "$(readlink "/sys/bus/mdev/devices/$1/mdev_type" 2>/dev/null)"; }
define() { # define UUID TYPE: a definition on mtty through virt-mdev nodedev-define
  printf '%s\n' '<device>' '  <parent>mtty_mtty</parent>' "  <capability type='mdev'>" "    <type id='$2'/>" \
    "    <uuid>$1</uuid>" '  </capability>' '</device>' > "$T/$1.xml"
  vm nodedev-define "$T/$1.xml"
}

mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
# the definitions are made while mtty is there (nodedev-define checks the parent and type), then mtty goes
modprobe mtty && wait_for 10 test -e /sys/class/mdev_bus/mtty
define "$A1" mtty-1; define "$A2" mtty-2; define "$M1" mtty-2
vm nodedev-autostart "$A1"; vm nodedev-autostart "$A2"
vm nodedev-list --inactive
expect "autostart: three definitions on mtty (two auto, one manual), none started" \
  bash -c '[ $0 -eq 0 ] && [ "$(grep -c "^mdev_8c2d4e6f" "$1")" = 3 ] && [ -z "$(ls /sys/bus/mdev/devices)" ]' "$rc" "$T/out"
expect "autostart: mtty unloads (no device on it)" modprobe -r mtty

vm install
expect "autostart: virt-mdev install puts the hook, both units and 61-virt-mdev.rules in place" \
  bash -c '[ $0 -eq 0 ] && [ -x /etc/libvirt/hooks/qemu.d/50-virt-mdev ] && [ -f /etc/systemd/system/virt-mdev-autostart.service ] &&
    [ -f /etc/systemd/system/virt-mdev-autostart@.service ] && [ -f /etc/udev/rules.d/61-virt-mdev.rules ]' "$rc"
expect "autostart: install says mdevctl's own rule (/usr/sbin/mdevctl on Debian 12) is broken, virt-mdev owns autostart" \
  grep -q "broken\|does not exist" "$T/out"
# what install tells the admin to do next
systemctl daemon-reload
run "systemctl enable virt-mdev-autostart.service" systemctl enable virt-mdev-autostart.service
udevadm control --reload

t0=$(date +%s)
expect "autostart: modprobe mtty (the test's only action)" modprobe mtty
if wait_for 120 both_auto_active; then
  pass "autostart: loading mtty.ko started both auto definitions ($(( $(date +%s) - t0 )) s after modprobe)"
else
  fail "autostart: loading mtty.ko started both auto definitions" "after 120 s: $(ls /sys/bus/mdev/devices | tr '\n' ' '); $UNIT: $(systemctl show -p ActiveState,Result --value "$UNIT" | tr '\n' ' ')"
fi
expect "autostart: with their defined types (mtty-1, mtty-2)" bash -c '[ "$0" = mtty-1 ] && [ "$1" = mtty-2 ]' "$(type_of "$A1")" "$(type_of "$A2")"
expect "autostart: the manual definition stays stopped" bash -c '! [ -e "/sys/bus/mdev/devices/$0" ]' "$M1"
wait_for 60 bash -c '[ "$(systemctl show -p ActiveState --value "$0")" != activating ]' "$UNIT"
run "journalctl -u $UNIT" journalctl -b --no-pager -o cat -u "$UNIT"
expect "autostart: $UNIT ran virt-mdev autostart --parent mtty and succeeded" \
  bash -c '[ "$(systemctl show -p Result --value "$0")" = success ] && grep -q "^$1 .*: started" "$3" && grep -q "^$2 .*: started" "$3"' "$UNIT" "$A1" "$A2" "$T/out"
expect "autostart: one run for the registration (a second run would have found them already active)" \
  bash -c '! grep -q "already active" "$0"' "$T/out"

# the boot unit, as systemd runs it before libvirtd: everything is already there
run "systemctl start virt-mdev-autostart.service" timeout 120 systemctl start virt-mdev-autostart.service
run "journalctl -u virt-mdev-autostart.service" journalctl -b --no-pager -o cat -u virt-mdev-autostart.service
expect "autostart: virt-mdev-autostart.service succeeds and finds both auto devices already active" \
  bash -c '[ "$(systemctl show -p Result --value virt-mdev-autostart.service)" = success ] && [ "$(grep -c "already active" "$0")" = 2 ]' "$T/out"
exit 0
