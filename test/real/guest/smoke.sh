# Trivial scenario: the guest sees the real mdev bus and the host's Node runs in the chroot.
set -u
. "$REPO/test/real/guest/lib.sh"
check "guest: mtty parent registered" test -e /sys/class/mdev_bus/mtty
check "guest: host node runs in chroot" node -e "process.exit(require('fs').readdirSync('/sys/class/mdev_bus').includes('mtty')?0:1)"
