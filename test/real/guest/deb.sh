# The Debian package on Debian 12's own stack (issue 12): Debian's nodejs 18 replaces the guest's Node
# (dpkg, from .ci/node18's cached debs), then `dpkg -i virt-mdev_*.deb` while libvirtd runs with no qemu
# hook at all: the package takes over the hook `virt-mdev install-hook` wrote, and its postinst makes
# the running libvirtd look at its hooks again (SIGHUP, same process). A transformed domain starts and
# stops through the INSTALLED hook (qemu.d/50-virt-mdev -> /usr/sbin/virt-mdev-qemu-hook, a wrapper
# that AppArmor's libvirtd profile would let run, exec /usr/lib/virt-mdev/hooks/qemu, run by
# /usr/bin/node 18): the device is created and removed. `dpkg -r` takes the hook away and keeps a
# definition made with the installed `virt-mdev nodedev-define`; `dpkg -P` keeps it too.
# Runs as the last scenario of its boot: it replaces the guest's Node. All in the tmpfs overlay.
set -u
. "$REPO/test/real/guest/lib.sh"
. "$REPO/test/real/guest/libvirt-lib.sh"
cd "$REPO"
DEBS=/var/cache/virt-mdev/node18-debs
PKG=$(ls "$REPO"/dist/real-deb/virt-mdev_*_all.deb 2>/dev/null | head -1)
HOOK=/etc/libvirt/hooks/qemu.d/50-virt-mdev
DOM=mdevvm
UD=6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4d01     # defined with the installed virt-mdev, kept by remove and purge
STORE=/etc/mdevctl.d/mtty
# the installed command, bounded like every other call
vi() { run "virt-mdev(deb) $*" timeout 120 /usr/bin/virt-mdev "$@"; }
dpkgq() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null; }

expect "deb: the package and Debian's nodejs 18 debs are there" bash -c '[ -f "$0" ] && ls "$1"/nodejs_18.*.deb "$1"/libnode108_18.*.deb' "$PKG" "$DEBS"
# man-db's trigger would rebuild the whole man database under TCG (minutes): not what is tested here
rm -f /var/lib/man-db/auto-update

# ---- libvirt running with no qemu hook; a checkout's install-hook, as an admin did before the package --
libvirt_config
rm -rf /etc/libvirt/hooks/qemu /etc/libvirt/hooks/qemu.d
libvirt_start
expect "deb: libvirtd started with no qemu hook (socket after $LIBVIRT_WAITED s)" [ -S /run/libvirt/libvirt-sock ]
LPID=$(cat /run/libvirtd.pid 2>/dev/null)
vm install-hook
expect "deb: a checkout's install-hook wrote its wrapper at $HOOK" bash -c '[ $0 -eq 0 ] && [ -f "$1" ] && [ ! -L "$1" ]' "$rc" "$HOOK"
# libvirt has not looked at its hooks since it started: only a reload (or a restart) makes it run any

# ---- Debian's own nodejs 18 in place of the guest's Node ------------------------------------------------
run "dpkg -r nodejs (the host's)" dpkg --force-depends -r nodejs
run "dpkg -i nodejs 18" dpkg -i "$DEBS"/libnode108_18.*.deb "$DEBS"/nodejs_18.*.deb
expect "deb: Debian's nodejs 18 installed with dpkg" [ $rc -eq 0 ]
run "node --version" /usr/bin/node --version
expect "deb: /usr/bin/node is Debian's 18 ($(cat "$T/out"))" grep -q '^v18\.' "$T/out"

# ---- install: takes over install-hook's wrapper, asks the running libvirtd to look at its hooks again ---
run "wrapper" sed -n 2p "$HOOK"
expect "deb: install-hook's wrapper is in place before the package" grep -q 'virt-mdev-hook-wrapper' "$T/out"
run "dpkg -i $(basename "$PKG")" dpkg -i "$PKG"
expect "deb: dpkg -i virt-mdev succeeds (nodejs >= 18.19 satisfied)" [ $rc -eq 0 ]
expect "deb: the package took over the wrapper: $HOOK -> /usr/sbin/virt-mdev-qemu-hook" \
  bash -c '[ -L "$0" ] && [ "$(readlink "$0")" = /usr/sbin/virt-mdev-qemu-hook ] && [ -x "$0" ]' "$HOOK"
# a real file in /usr/sbin (AppArmor judges the resolved path: Debian's libvirtd profile has /usr/sbin/* PUx)
expect "deb: /usr/sbin/virt-mdev-qemu-hook is an executable file, not a link, that execs /usr/lib/virt-mdev/hooks/qemu" \
  bash -c '[ -f "$0" ] && [ ! -L "$0" ] && [ -x "$0" ] && [ "$(readlink -f "$1")" = "$0" ] && grep -qx "exec '"'"'/usr/lib/virt-mdev/hooks/qemu'"'"' \"\$@\"" "$0"' /usr/sbin/virt-mdev-qemu-hook "$HOOK"
expect "deb: the wrapper's takeover was said on stderr" grep -q 'replacing' "$T/err"
expect "deb: dpkg owns the hook link and the /usr/sbin wrapper" bash -c 'dpkg -S "$0" | grep -q "^virt-mdev:" && dpkg -S "$1" | grep -q "^virt-mdev:"' "$HOOK" /usr/sbin/virt-mdev-qemu-hook
expect "deb: libvirtd was reloaded, not restarted (same pid $LPID)" bash -c '[ -n "$0" ] && [ "$(cat /run/libvirtd.pid)" = "$0" ] && kill -0 "$0"' "$LPID"
expect "deb: the boot unit is enabled (deb-systemd-helper)" [ -L /etc/systemd/system/multi-user.target.wants/virt-mdev-autostart.service ]
expect "deb: units, udev rule, logrotate, tmpfiles, man page and completion are installed" bash -c 'for f in /lib/systemd/system/virt-mdev-autostart.service /lib/systemd/system/virt-mdev-autostart@.service /lib/systemd/system/virt-mdev-metrics.timer /lib/udev/rules.d/61-virt-mdev.rules /etc/logrotate.d/virt-mdev /usr/lib/tmpfiles.d/virt-mdev.conf /usr/share/man/man8/virt-mdev.8.gz /usr/share/bash-completion/completions/virt-mdev; do [ -f "$f" ] || { echo "missing $f"; exit 1; }; done'
expect "deb: the code has no node_modules" bash -c '! find /usr/lib/virt-mdev -name node_modules | grep -q .'
vi --version
expect "deb: /usr/bin/virt-mdev --version on node 18 ($(cat "$T/out"))" bash -c '[ $0 -eq 0 ] && grep -qx "$(node -p "require(\"$1/package.json\").version")" "$2"' "$rc" "$REPO" "$T/out"
vi doctor --json
node -e 'const c = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const n of ["hook", "autostart"]) { const x = c.find((y) => y.name === n); console.log(n, x && x.level, x && x.message); }' < "$T/out" > "$T/doctor" 2>&1
cat "$T/doctor"
expect "deb: doctor calls the hook the package's and sees the packaged autostart enabled: $(tr '\n' ' ' < "$T/doctor")" \
  bash -c 'grep -q "^hook ok .*the virt-mdev package.s hook" "$0" && grep -q "^autostart ok virt-mdev owns autostart" "$0"' "$T/doctor"
vi nodedev-list --cap mdev_types
expect "deb: the installed virt-mdev lists the real mtty parent" bash -c '[ $0 -eq 0 ] && grep -qx mtty_mtty "$1"' "$rc" "$T/out"

# ---- the libvirt lifecycle through the installed hook ------------------------------------------------
timeout 120 /usr/bin/virt-mdev transform "$REPO/test/real/guest/mdevvm.xml" > "$T/mdevvm.xml" 2> "$T/err"; rc=$?
U=$(grep -o "<address uuid='[0-9a-f-]*'" "$T/mdevvm.xml" | head -1 | cut -d"'" -f2)
expect "deb: the installed virt-mdev transforms the managed mtty-2 (uuid $U)" bash -c '[ $0 -eq 0 ] && [ -n "$1" ]' "$rc" "$U"
vsh define "$T/mdevvm.xml"
expect "deb: virsh define accepts the transformed domain" [ $rc -eq 0 ]
: > /var/log/virt-mdev/hook.log 2>/dev/null || true
vsh start --paused "$DOM"
expect "deb: virsh start --paused $DOM succeeds" [ $rc -eq 0 ]
expect "deb: the installed hook created $U as mtty-2 on the real bus" \
  bash -c '[ -e /sys/bus/mdev/devices/$0 ] && [ "$(basename "$(readlink /sys/bus/mdev/devices/$0/mdev_type)")" = mtty-2 ]' "$U"
G=$(group_of "$U" 2>/dev/null)
expect "deb: QEMU holds the device's VFIO group open (/dev/vfio/${G:-?})" qemu_has_vfio "$DOM" "${G:-none}"
expect "deb: the installed hook logged the prepare (the only hook in qemu.d is the package's link)" bash -c 'grep -q prepare /var/log/virt-mdev/hook.log && [ "$(ls /etc/libvirt/hooks/qemu.d)" = 50-virt-mdev ] && [ ! -e /etc/libvirt/hooks/qemu ]'
vsh destroy "$DOM"
expect "deb: virsh destroy $DOM succeeds" [ $rc -eq 0 ]
expect "deb: the installed hook's release removed $U" wait_for 60 test ! -e "/sys/bus/mdev/devices/$U"
vsh undefine "$DOM"

# ---- a definition made with the installed command -------------------------------------------------------
printf '%s\n' '<device>' '  <parent>mtty_mtty</parent>' "  <capability type='mdev'>" "    <type id='mtty-1'/>" \
  "    <uuid>$UD</uuid>" '  </capability>' '</device>' > "$T/ud.xml"
vi nodedev-define "$T/ud.xml"
expect "deb: virt-mdev nodedev-define writes $STORE/$UD" bash -c '[ $0 -eq 0 ] && [ -f "$1/$2" ]' "$rc" "$STORE" "$UD"
cp "$STORE/$UD" "$T/def.before"
ls -lR /etc/mdevctl.d > "$T/store.before"

# ---- remove: the hook goes, definitions stay, libvirt keeps running -------------------------------------
run "dpkg -r virt-mdev" dpkg -r virt-mdev
expect "deb: dpkg -r virt-mdev succeeds" [ $rc -eq 0 ]
expect "deb: remove took the hook link away" bash -c '[ ! -e "$0" ] && [ ! -L "$0" ]' "$HOOK"
expect "deb: remove took the code, the command and the hook wrapper away" bash -c '[ ! -e /usr/lib/virt-mdev ] && [ ! -e /usr/bin/virt-mdev ] && [ ! -e /usr/sbin/virt-mdev-qemu-hook ]'
expect "deb: remove kept the definition $UD byte for byte" cmp "$T/def.before" "$STORE/$UD"
expect "deb: the package is removed, its conffile kept (rc)" bash -c '[ "$(dpkg-query -W -f="\${db:Status-Abbrev}" virt-mdev)" = "rc " ]'
vsh version
expect "deb: libvirtd still answers after remove" [ $rc -eq 0 ]

# ---- purge: /etc/mdevctl.d untouched, the package gone ---------------------------------------------------
run "dpkg -P virt-mdev" dpkg -P virt-mdev
expect "deb: dpkg -P virt-mdev succeeds" [ $rc -eq 0 ]
ls -lR /etc/mdevctl.d > "$T/store.after"
expect "deb: purge left /etc/mdevctl.d as it was (the definition included)" bash -c 'cmp "$0" "$1" && cmp "$2" "$3"' "$T/store.before" "$T/store.after" "$T/def.before" "$STORE/$UD"
expect "deb: purge removed the logrotate conffile and the hook log" bash -c '[ ! -e /etc/logrotate.d/virt-mdev ] && [ ! -e /var/log/virt-mdev ]'
expect "deb: dpkg knows no virt-mdev any more" bash -c '! dpkg-query -W -f="\${db:Status-Abbrev}" virt-mdev 2>/dev/null | grep -q "^[ir]"'

libvirt_save_caps
exit 0
