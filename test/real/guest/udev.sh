# Runs under Debian's systemd as PID 1 (the systemd boot): proves the path virt-mdev's autostart relies on
# before anything of ours is involved. systemd-udevd runs in its unit's sandbox (MemoryDenyWriteExecute,
# where Node cannot start, which is why a rule must not RUN+= Node); a probe rule of our own tags the mtty
# parent's MDEV_STATE=registered change event for systemd with SYSTEMD_WANTS, and loading mtty.ko after
# boot must start the probe's instance unit with %k = mtty.
set -u
. "$REPO/test/real/guest/lib.sh"
PROBE=/run/virt-mdev-real-probe

check "systemd: PID 1 is Debian's systemd" bash -c '[ "$(cat /proc/1/comm)" = systemd ]'
systemctl --no-pager status systemd-udevd.service | head -5
check "systemd: systemd-udevd.service is active" systemctl is-active systemd-udevd.service
check "systemd: systemd-udevd runs in its unit's sandbox (MemoryDenyWriteExecute=yes, a seccomp filter)" \
  bash -c '[ "$(systemctl show -p MemoryDenyWriteExecute --value systemd-udevd.service)" = yes ] &&
    grep -q "^Seccomp:[[:space:]]*2" /proc/$(systemctl show -p MainPID --value systemd-udevd.service)/status'

# Node under the same MemoryDenyWriteExecute=yes as udevd's RUN+= programs: it must not start, while a
# control unit without it runs the same command (why a rule may only ask systemd for a unit)
for mdwe in no yes; do
  cat > "/etc/systemd/system/virt-mdev-real-node-mdwe-$mdwe.service" <<EOF
[Service]
Type=oneshot
MemoryDenyWriteExecute=$mdwe
StandardOutput=file:/run/virt-mdev-real-node-mdwe-$mdwe.out
StandardError=inherit
ExecStart=/usr/bin/node -e 'console.log("node ran")'
EOF
done
# the probe: a rule and an instance unit, installed as an admin does (rules reloaded, units reloaded)
cat > /etc/udev/rules.d/99-virt-mdev-real-probe.rules <<'EOF'
ACTION=="change", ENV{MDEV_STATE}=="registered", TAG+="systemd", ENV{SYSTEMD_WANTS}+="virt-mdev-real-probe@%k.service"
EOF
cat > /etc/systemd/system/virt-mdev-real-probe@.service <<EOF
[Unit]
Description=virt-mdev real-stack probe for mdev parent %i
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo "%i" >> $PROBE'
EOF
udevadm control --reload
systemctl daemon-reload

for mdwe in no yes; do
  timeout 60 systemctl start "virt-mdev-real-node-mdwe-$mdwe.service"
  echo "+ node with MemoryDenyWriteExecute=$mdwe: rc $?, result $(systemctl show -p Result --value "virt-mdev-real-node-mdwe-$mdwe.service"), output: $(cat "/run/virt-mdev-real-node-mdwe-$mdwe.out" 2>&1)"
done
name="systemd: Node runs in a plain unit and fails under MemoryDenyWriteExecute=yes (as udevd's RUN+= programs would)"
if grep -q 'node ran' /run/virt-mdev-real-node-mdwe-no.out 2>/dev/null && ! grep -q 'node ran' /run/virt-mdev-real-node-mdwe-yes.out 2>/dev/null &&
   [ "$(systemctl show -p Result --value virt-mdev-real-node-mdwe-yes.service)" != success ]; then
  pass "$name"
else
  fail "$name" "without: $(head -c 200 /run/virt-mdev-real-node-mdwe-no.out 2>&1); with: $(head -c 200 /run/virt-mdev-real-node-mdwe-yes.out 2>&1) ($(systemctl show -p Result --value virt-mdev-real-node-mdwe-yes.service))"
fi

check "systemd: mtty is not loaded before the test loads it" bash -c '[ ! -e /sys/class/mdev_bus/mtty ]'
t0=$(date +%s%N)
check "systemd: modprobe mtty after boot" modprobe mtty
check "systemd: the mtty parent registers with mdev" wait_for 10 test -e /sys/class/mdev_bus/mtty
timeout 30 udevadm settle
if wait_for 30 test -s "$PROBE"; then
  pass "systemd: the registered event's SYSTEMD_WANTS started virt-mdev-real-probe@mtty.service ($(( ($(date +%s%N) - t0) / 1000000 )) ms after modprobe)"
else
  fail "systemd: the registered event's SYSTEMD_WANTS started virt-mdev-real-probe@mtty.service" "no $PROBE after 30 s; udevadm info: $(udevadm info /sys/devices/virtual/mtty/mtty 2>&1 | tr '\n' ' ')"
fi
check "systemd: the instance unit got %k = mtty, and ran once" bash -c '[ "$(cat "$0")" = mtty ]' "$PROBE"
check "systemd: virt-mdev-real-probe@mtty.service is active (exited)" systemctl is-active virt-mdev-real-probe@mtty.service
udevadm info /sys/devices/virtual/mtty/mtty
systemctl --no-pager status virt-mdev-real-probe@mtty.service | head -8

# leave mtty unloaded and the probe gone for the scenarios that follow in this boot
systemctl stop virt-mdev-real-probe@mtty.service
rm -f /etc/udev/rules.d/99-virt-mdev-real-probe.rules /etc/systemd/system/virt-mdev-real-probe@.service
udevadm control --reload
check "systemd: mtty unloads again" modprobe -r mtty
exit 0
