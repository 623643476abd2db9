# Runs under Debian's systemd as PID 1 (the systemd boot), after udev.sh proved the udev → systemd path:
# with virt-mdev's units and rule installed by `virt-mdev install`, loading mtty.ko starts the mtty
# parent's auto definitions and then its autostart pool through 61-virt-mdev.rules and
# virt-mdev-autostart@mtty.service, with no command from the test; the manual one stays stopped. Then the boot unit virt-mdev-autostart.service runs
# under systemd too.
set -u
. "$REPO/test/real/guest/lib.sh"
cd "$REPO"
A1=8c2d4e6f-1a3b-4c5d-9e7f-0a1b2c3d4e01    # mtty-1, auto
A2=8c2d4e6f-1a3b-4c5d-9e7f-0a1b2c3d4e02    # mtty-2, auto
M1=8c2d4e6f-1a3b-4c5d-9e7f-0a1b2c3d4e03    # mtty-2, manual
POOL=bootpool                              # 2 x mtty-1 on mtty, autostart
UNIT=virt-mdev-autostart@mtty.service
active() { [ -e "/sys/bus/mdev/devices/$1" ]; }
# polled without starting Node: A1 and the pool's two members are the three mtty-1 devices
all_started() { active "$A1" && active "$A2" && [ "$(ls /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/devices | wc -l)" = 3 ]; }
type_of() { basename "$(readlink "/sys/bus/mdev/devices/$1/mdev_type" 2>/dev/null)"; }

mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
# the definitions are made while mtty is there (pool-define checks the parent and type), then mtty goes;
# mdevctl writes them (persist.sh shows virt-mdev's are the same bytes): each Node start costs seconds here
modprobe mtty && wait_for 10 test -e /sys/class/mdev_bus/mtty
mc define --parent mtty --type mtty-1 --uuid "$A1" --auto
mc define --parent mtty --type mtty-2 --uuid "$A2" --auto
mc define --parent mtty --type mtty-2 --uuid "$M1"
printf '%s\n' '<mdevpool>' "  <name>$POOL</name>" "  <type id='mtty-1'/>" '  <parent>mtty</parent>' '  <size>2</size>' '</mdevpool>' > "$T/pool.xml"
vm pool-define "$T/pool.xml"; vm pool-autostart "$POOL"
mc list --defined
expect "autostart: three definitions on mtty (two auto, one manual) and an autostart pool of two, nothing started" \
  bash -c '[ $0 -eq 0 ] && [ "$(grep -c "^8c2d4e6f.* auto$" "$1")" = 2 ] && [ "$(grep -c "^8c2d4e6f.* manual$" "$1")" = 1 ] &&
    [ -L /etc/virt-mdev/pools/autostart/$2.xml ] && [ -z "$(ls /sys/bus/mdev/devices)" ]' "$rc" "$T/out" "$POOL"
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
if wait_for 120 all_started; then
  pass "autostart: loading mtty.ko started both auto definitions and filled the pool ($(( $(date +%s) - t0 )) s after modprobe)"
else
  fail "autostart: loading mtty.ko started both auto definitions and filled the pool" "after 120 s: $(ls /sys/bus/mdev/devices | tr '\n' ' '); $UNIT: $(systemctl show -p ActiveState,Result --value "$UNIT" | tr '\n' ' ')"
fi
expect "autostart: with their defined types (mtty-1, mtty-2)" bash -c '[ "$0" = mtty-1 ] && [ "$1" = mtty-2 ]' "$(type_of "$A1")" "$(type_of "$A2")"
vm pool-info "$POOL"
expect "autostart: pool-info says the pool is running with 2 of 2 free" bash -c '[ $0 -eq 0 ] && grep -q "^State: *running" "$1" && grep -q "^Free: *2$" "$1"' "$rc" "$T/out"
expect "autostart: the manual definition stays stopped; nothing else appeared (2 devices + 2 pool members)" \
  bash -c '! [ -e "/sys/bus/mdev/devices/$0" ] && [ "$(ls /sys/bus/mdev/devices | wc -l)" = 4 ]' "$M1"
wait_for 60 bash -c '[ "$(systemctl show -p ActiveState --value "$0")" != activating ]' "$UNIT"
run "journalctl -u $UNIT" journalctl -b --no-pager -o cat -u "$UNIT"
expect "autostart: $UNIT ran virt-mdev autostart --parent mtty and succeeded" \
  bash -c '[ "$(systemctl show -p Result --value "$0")" = success ] && grep -q "^$1 .*: started" "$3" && grep -q "^$2 .*: started" "$3" &&
    grep -q "^pool $4: 2 of 2 members" "$3"' "$UNIT" "$A1" "$A2" "$T/out" "$POOL"
expect "autostart: one run for the registration (a second run would have found them already active)" \
  bash -c '! grep -q "already active" "$0"' "$T/out"

# the boot unit, as systemd runs it before libvirtd: everything is already there
run "systemctl start virt-mdev-autostart.service" timeout 120 systemctl start virt-mdev-autostart.service
run "journalctl -u virt-mdev-autostart.service" journalctl -b --no-pager -o cat -u virt-mdev-autostart.service
expect "autostart: virt-mdev-autostart.service succeeds and finds both auto devices already active" \
  bash -c '[ "$(systemctl show -p Result --value virt-mdev-autostart.service)" = success ] && [ "$(grep -c "already active" "$0")" = 2 ]' "$T/out"
exit 0
