# Debian's mdevctl 1.2 (the host's /usr/bin/mdevctl, seen through the read-only root) on the real mtty
# parent: types, define, start, list, stop, undefine, and start-parent-mdevs (what its udev rule runs).
# This is the reference the persistence scenarios compare virt-mdev with; if it breaks here, theirs mean
# nothing. Writes land in the guest's tmpfs overlay (/etc/mdevctl.d), never on the host.
set -u
. "$REPO/test/real/guest/lib.sh"
U=5b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c01
UA=5b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c02

if ! command -v mdevctl > /dev/null; then
  fail "mdevctl: Debian's mdevctl is installed on the host (setup.sh)" "no mdevctl in the guest's PATH"
  exit 1
fi
mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
for d in /sys/bus/mdev/devices/*; do [ -e "$d/remove" ] && echo 1 > "$d/remove"; done

mc --version
mc types
expect "mdevctl: 'mdevctl types' lists the real mtty parent with mtty-1 and mtty-2" \
  bash -c '[ $0 -eq 0 ] && grep -qx "mtty" "$1" && grep -q "mtty-1" "$1" && grep -q "mtty-2" "$1" && grep -q "Available instances: 24" "$1"' "$rc" "$T/out"

mc define --parent mtty --type mtty-2 --uuid "$U"
expect "mdevctl: define writes /etc/mdevctl.d/mtty/$U and starts nothing" \
  bash -c '[ $0 -eq 0 ] && [ -f "/etc/mdevctl.d/mtty/$1" ] && [ ! -e "/sys/bus/mdev/devices/$1" ]' "$rc" "$U"
cat "/etc/mdevctl.d/mtty/$U"; echo
mc list --defined
expect "mdevctl: list --defined shows it as mtty-2, manual" bash -c '[ $0 -eq 0 ] && grep -q "^$1 mtty mtty-2 manual" "$2"' "$rc" "$U" "$T/out"
mc list
expect "mdevctl: list (active) does not show the stopped definition" bash -c '[ $0 -eq 0 ] && ! grep -q "$1" "$2"' "$rc" "$U" "$T/out"

mc start --uuid "$U"
expect "mdevctl: start --uuid creates the device on the real bus as mtty-2" \
  bash -c '[ $0 -eq 0 ] && [ "$(basename "$(readlink "/sys/bus/mdev/devices/$1/mdev_type")")" = mtty-2 ]' "$rc" "$U"
mc list
expect "mdevctl: list shows the running device as defined" bash -c '[ $0 -eq 0 ] && grep -q "^$1 mtty mtty-2 manual (defined)" "$2"' "$rc" "$U" "$T/out"
mc list --defined --dumpjson
expect "mdevctl: list --defined --dumpjson gives the parent → UUID → config form" \
  node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const c=j[0].mtty[0][process.argv[2]]; if(c.mdev_type!=="mtty-2"||c.start!=="manual") process.exit(1)' "$T/out" "$U"

mc stop --uuid "$U"
expect "mdevctl: stop removes the device and keeps the definition" \
  bash -c '[ $0 -eq 0 ] && [ ! -e "/sys/bus/mdev/devices/$1" ] && [ -f "/etc/mdevctl.d/mtty/$1" ]' "$rc" "$U"

# the path of its udev rule (which on Debian 12 names /usr/sbin/mdevctl and never runs): an auto definition
# is started by start-parent-mdevs, a manual one is not
mc define --parent mtty --type mtty-1 --uuid "$UA" --auto
mc start-parent-mdevs mtty
expect "mdevctl: start-parent-mdevs mtty starts the auto definition only" \
  bash -c '[ $0 -eq 0 ] && [ -e "/sys/bus/mdev/devices/$1" ] && [ ! -e "/sys/bus/mdev/devices/$2" ]' "$rc" "$UA" "$U"
mc stop --uuid "$UA"

mc undefine --uuid "$U"
expect "mdevctl: undefine removes the definition file" bash -c '[ $0 -eq 0 ] && [ ! -e "/etc/mdevctl.d/mtty/$1" ]' "$rc" "$U"
mc undefine --uuid "$UA"
mc list --defined
expect "mdevctl: list --defined is empty at the end" bash -c '[ $0 -eq 0 ] && ! grep -q "[^[:space:]]" "$1"' "$rc" "$T/out"
exit 0
