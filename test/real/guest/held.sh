# Issue 10 item 15: what the real 6.1 kernel does when `remove` is written while QEMU holds the mdev, and
# that our hook's bounded wait, abandoned remove and gc work against it. mtty (like i915 and the other
# samples) has no vfio `request` op, so vfio_unregister_group_dev() never asks QEMU to let go: the write
# waits for the last close. Part A watches the kernel alone (a running libvirt domain, unmanaged device);
# part B is nodedev-destroy --force racing `virsh destroy`; part C is the hook's release run as libvirt runs
# it while a QEMU started by hand holds the device, then gc. Timings and states go to the log.
set -u
. "$REPO/test/real/guest/lib.sh"
. "$REPO/test/real/guest/libvirt-lib.sh"
cd "$REPO"
UA=5c0ffee0-1a2b-4c3d-8e4f-000000000a01      # part A: unmanaged, made by hand
PARENT=$(readlink -f /sys/class/mdev_bus/mtty)
TYPES=/sys/class/mdev_bus/mtty/mdev_supported_types
HOOK=/etc/libvirt/hooks/qemu.d/50-virt-mdev
now() { date +%s.%N | cut -c1-14; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
pstate() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || echo gone; }
snap() { # snap LABEL UUID PID: what the kernel shows of a removal in progress
  local u=$2 p=${3:-}
  echo "== $1 (t+$(since "$t0") s)"
  [ -n "$p" ] && echo "writer $p state $(pstate "$p") wchan $(cat "/proc/$p/wchan" 2>/dev/null)"
  for f in "/sys/bus/mdev/devices/$u" "$PARENT/$u" "$PARENT/$u/remove" "$PARENT/$u/mdev_type" "$PARENT/$u/iommu_group" \
    "$PARENT/$u/driver" "$TYPES/mtty-2/devices/$u" "$TYPES/mtty-1/devices/$u"; do
    if [ -e "$f" ] || [ -L "$f" ]; then echo "present $f"; else echo "absent  $f"; fi
  done
  ls "$PARENT/$u" 2>/dev/null | tr '\n' ' '; echo
  echo "mtty-1 available $(cat "$TYPES/mtty-1/available_instances") mtty-2 available $(cat "$TYPES/mtty-2/available_instances")"
  ls /dev/vfio | tr '\n' ' '; echo
}
bus_link_gone() { [ ! -e "/sys/bus/mdev/devices/$1" ]; }
dir_gone() { [ ! -e "$PARENT/$1" ]; }
proc_gone() { [ ! -e "/proc/$1" ] || [ "$(pstate "$1")" = Z ]; }

libvirt_config
mkdir -p /etc/virt-mdev
echo 'remove_timeout = 5' > /etc/virt-mdev/hook.conf
vm install-hook
libvirt_start
expect "held: libvirtd is running with our hook" bash -c '[ -S /run/libvirt/libvirt-sock ] && [ -x "$0" ]' "$HOOK"
libvirt_running || exit 1
dmesg -C 2>/dev/null

# ---- A: the kernel alone. A running domain (not paused) holds an unmanaged device; write remove ---------
echo "$UA" > "$TYPES/mtty-1/create"
GA=$(group_of "$UA")
unmanaged_domain_xml heldvm "$UA" > "$T/heldvm.xml"
vsh define "$T/heldvm.xml"
vsh start heldvm
expect "held A: virsh start heldvm (running, not paused) with an unmanaged mtty-1" [ $rc -eq 0 ]
wait_for 30 qemu_has_vfio heldvm "$GA"
expect "held A: QEMU holds /dev/vfio/$GA" qemu_has_vfio heldvm "$GA"
echo "---- dmesg after start (mtty logs which irq indexes QEMU sets up)"; dmesg | tail -20
t0=$(now)
bash -c 'echo 1 > "/sys/bus/mdev/devices/$0/remove"; echo "write rc $?"' "$UA" > "$T/wa.out" 2>&1 &
WA=$!
sleep 3
snap "A: 3 s after the write" "$UA" "$WA"
expect "held A: the write of remove is still blocked after 3 s (writer state $(pstate "$WA"))" bash -c '[ -e /proc/$0 ] && [ "$(cut -d" " -f3 /proc/$0/stat)" = S ]' "$WA"
expect "held A: the bus link /sys/bus/mdev/devices/$UA is gone at once" bus_link_gone "$UA"
expect "held A: the device directory under the parent stays while QEMU holds it" [ -d "$PARENT/$UA" ]
expect "held A: its remove attribute and mdev_type link are gone" bash -c '[ ! -e "$0/remove" ] && [ ! -L "$0/mdev_type" ]' "$PARENT/$UA"
expect "held A: the VFIO group node stays" [ -e "/dev/vfio/$GA" ]
echo "$UA" > "$TYPES/mtty-1/create" 2> "$T/recreate.err"; rcr=$?
echo "re-create of $UA while held: rc $rcr $(cat "$T/recreate.err")"
expect "held A: the UUID cannot be created again while the removal waits (EEXIST)" grep -qi 'exists' "$T/recreate.err"
sleep 10
snap "A: 13 s after the write (one 10 s request period passed)" "$UA" "$WA"
vsh domstate heldvm
expect "held A: the domain still runs after 13 s: nothing asked QEMU to let go (mtty has no request op)" grep -q running "$T/out"
expect "held A: QEMU still holds /dev/vfio/$GA after 13 s" qemu_has_vfio heldvm "$GA"
kill -TERM "$WA"
sleep 1
snap "A: 1 s after SIGTERM to the writer" "$UA" "$WA"
dmesg | tail -10
expect "held A: a signal turns the wait uninterruptible (state D)" bash -c '[ "$(cut -d" " -f3 /proc/$0/stat)" = D ]' "$WA"
expect "held A: dmesg: Device is currently in use, task ... blocked until device is released" bash -c 'dmesg | grep -q "Device is currently in use"'
td=$(now)
vsh destroy heldvm
echo "virsh destroy took $(since "$td") s (rc $rc)"
expect "held A: virsh destroy succeeds while the write blocks" [ $rc -eq 0 ]
wait_for 60 proc_gone "$WA"
echo "writer gone $(since "$td") s after the destroy began; $(cat "$T/wa.out")"
expect "held A: the blocked write returns once QEMU is gone ($(since "$t0") s after it began)" proc_gone "$WA"
wait_for 10 dir_gone "$UA"
snap "A: after destroy" "$UA"
expect "held A: the device is gone once the write returns" dir_gone "$UA"
expect "held A: mtty-1 capacity is back" bash -c '[ "$(cat "$0/mtty-1/available_instances")" -ge 1 ]' "$TYPES"
vsh undefine heldvm

# ---- B: nodedev-destroy --force of a running domain's managed device, then virsh destroy --------------
vm transform "$REPO/test/real/guest/mdevvm.xml"
cp "$T/out" "$T/mdevvm.xml"
UB=$(grep -o "<address uuid='[0-9a-f-]*'" "$T/mdevvm.xml" | head -1 | cut -d"'" -f2)
vsh define "$T/mdevvm.xml"
vsh start mdevvm
expect "held B: virsh start mdevvm (running) creates its managed device $UB" bash -c '[ $0 -eq 0 ] && [ -e /sys/bus/mdev/devices/$1 ]' "$rc" "$UB"
t0=$(now)
vm nodedev-destroy "mdev_${UB//-/_}_mtty" --force --timeout 5
echo "nodedev-destroy --force took $(since "$t0") s"
expect "held B: nodedev-destroy --force --timeout 5 of a held device exits TIMEOUT, not success (rc $rc)" bash -c '[ $0 -ne 0 ] && grep -qi "still in use" "$1"' "$rc" "$T/err"
snap "B: after nodedev-destroy" "$UB"
RB=$(pgrep -f "dd of=.*$UB/remove|remove-child\.[mc]?js .* $UB" | head -1)
echo "abandoned remover: ${RB:-none} state $( [ -n "$RB" ] && pstate "$RB")"
expect "held B: the abandoned remover waits in the kernel" [ -n "$RB" ]
vm nodedev-list --cap mdev
expect "held B: the device being removed is off the bus (nodedev-list no longer lists it) but keeps its mtty-2 share" \
  bash -c '! grep -q "${0//-/_}" "$1" && [ "$(cat "$2/mtty-2/available_instances")" -lt 12 ]' "$UB" "$T/out" "$TYPES"
vm ledger
td=$(now)
vsh destroy mdevvm
echo "virsh destroy took $(since "$td") s (rc $rc)"
expect "held B: virsh destroy succeeds while the removal waits" [ $rc -eq 0 ]
wait_for 60 dir_gone "$UB"
echo "device gone $(since "$td") s after the destroy began"
expect "held B: the kernel finishes the removal once QEMU is gone" dir_gone "$UB"
[ -n "$RB" ] && wait_for 20 proc_gone "$RB"
expect "held B: the abandoned remover exits" bash -c '[ -z "$0" ] || [ ! -e /proc/$0 ] || [ "$(cut -d" " -f3 /proc/$0/stat)" = Z ]' "${RB:-}"
vm ledger
expect "held B: the ledger has no entry left for $UB after release" bash -c '! grep -q "$0" "$1"' "$UB" "$T/out"
vsh undefine mdevvm

# ---- C: the hook's release while a hand-started QEMU holds the device; gc finishes it -------------------
sed "s/<name>mdevvm</<name>handvm</; s/<uuid>[^<]*</<uuid>4b9d8c2e-1f3a-4e5b-9c7d-0a1b2c3d4e6f</" "$REPO/test/real/guest/mdevvm.xml" > "$T/hand-src.xml"
vm transform "$T/hand-src.xml"
cp "$T/out" "$T/hand.xml"
UC=$(grep -o "<address uuid='[0-9a-f-]*'" "$T/hand.xml" | head -1 | cut -d"'" -f2)
env -i LC_ALL=C PATH=/bin:/sbin HOME=/ "$HOOK" handvm prepare begin - < "$T/hand.xml"; prc=$?
echo "hook prepare rc $prc; devices: $(ls /sys/bus/mdev/devices | tr '\n' ' ')"
expect "held C: the hook's prepare (run as libvirt runs it) created $UC" bash -c '[ $0 -eq 0 ] && [ -e "/sys/bus/mdev/devices/$1" ]' "$prc" "$UC"
qemu-system-x86_64 -S -nodefaults -display none -monitor none -serial none -machine pc -accel tcg -m 64 \
  -device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UC" < /dev/null > "$T/handqemu.log" 2>&1 &
QH=$!
wait_for 30 bash -c 'ls -l /proc/$0/fd 2>/dev/null | grep -q vfio-device' "$QH"
expect "held C: a QEMU started by hand holds $UC" bash -c 'ls -l /proc/$0/fd | grep -q vfio-device' "$QH"
t0=$(now)
env -i LC_ALL=C PATH=/bin:/sbin HOME=/ "$HOOK" handvm release end - < /dev/null; hrc=$?
echo "hook release took $(since "$t0") s (rc $hrc)"
expect "held C: the hook's release returns 0 within its bound (remove_timeout 5) while the device is held" [ $hrc -eq 0 ]
snap "C: after release" "$UC"
vm ledger
expect "held C: the ledger marks $UC abandoned" bash -c 'grep -q "$0" "$1" && grep -qi abandon "$1"' "$UC" "$T/out"
RC=$(pgrep -f "dd of=.*$UC/remove|remove-child\.[mc]?js .* $UC" | head -1)
echo "abandoned remover: ${RC:-none} state $( [ -n "$RC" ] && pstate "$RC") wchan $( [ -n "$RC" ] && cat /proc/$RC/wchan)"
expect "held C: the abandoned remover still waits in the kernel" [ -n "$RC" ]
vm gc
echo "gc while held: rc $rc"
expect "held C: gc while the device is still held exits TIMEOUT (9)" [ $rc -eq 9 ]
vm ledger
expect "held C: gc while the device is still held keeps it abandoned (no second remove, nothing dropped)" \
  bash -c 'grep -q "$0.*abandoned" "$1" && [ -d "$2/$0" ]' "$UC" "$T/out" "$PARENT"
kill "$QH"; wait "$QH" 2>/dev/null
wait_for 30 dir_gone "$UC"
expect "held C: once the holder is gone the kernel finishes the abandoned removal" dir_gone "$UC"
vm gc
echo "gc after: rc $rc"
vm ledger
expect "held C: gc then drops the entry; the ledger is empty" bash -c '[ $0 -eq 0 ] && ! grep -q "$1" "$2"' "$rc" "$UC" "$T/out"
expect "held C: mtty-2 capacity is back" bash -c '[ "$(cat "$0/mtty-2/available_instances")" -ge 1 ]' "$TYPES"

libvirt_save_caps
echo "---- hook log"; tail -30 /var/log/virt-mdev/hook.log 2>/dev/null
echo "---- dmesg"; dmesg | tail -30
exit 0
