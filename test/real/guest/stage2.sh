# Second stage of the guest's PID 1 (busybox sh, outside the chroot). Builds /newroot = the host's root
# (read-only 9p) under a tmpfs overlay, so the guest runs the host's own Node, libvirt and QEMU while
# every write vanishes at power-off; then runs each scenario named in /harness/job.env inside a chroot.
# With INIT=systemd it instead prepares /newroot for Debian's systemd as PID 1 (see prepare_systemd) and
# leaves /harness/switch-root for init.sh; systemd then runs `stage2.sh run` as a service.
set -u
. /harness/job.env          # REPO, SCENARIOS, INIT (busybox | systemd), BOOT_TIMEOUT
INIT=${INIT:-busybox}

# run_scenarios [CMD...]: each scenario in a clean environment (CMD: chroot /newroot, or nothing when
# /newroot is already the root); logs, TAP lines and exit codes land on the share
run_scenarios() {
  local s
  for s in $SCENARIOS; do
    echo "stage2: scenario $s start at uptime $(cut -d' ' -f1 /proc/uptime) s"
    "$@" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
      REPO="$REPO" OUT=/harness LANG=C.UTF-8 \
      /bin/bash "$REPO/test/real/guest/$s.sh" > "/harness/$s.log" 2>&1
    echo "$?" > "/harness/$s.rc"
    echo "stage2: scenario $s rc $(cat /harness/$s.rc) at uptime $(cut -d' ' -f1 /proc/uptime) s"
  done
}

if [ "${1:-}" = run ]; then
  # under systemd (virt-mdev-real.service): /newroot is the root now
  run_scenarios
  journalctl -b --no-pager -o short-monotonic > /harness/journal.log 2>&1
  systemctl --no-pager --failed >> /harness/stage2.log 2>&1
  sync
  exit 0
fi

echo "stage2: uptime $(cut -d' ' -f1 /proc/uptime) s, kernel $(uname -r), init $INIT"
# devtmpfs has no /dev/fd and friends (udev makes them on a normal host): bash's <(…) needs them
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
mkdir -p /run/ov/upper /run/ov/work
if ! mount -t overlay overlay -o lowerdir=/host,upperdir=/run/ov/upper,workdir=/run/ov/work /newroot; then
  echo "stage2: overlay over 9p failed"; exit 1
fi
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount --bind /dev /newroot/dev
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/tmp
mount -t tmpfs tmpfs /newroot/run
mkdir -p /newroot/run/lock
# systemd mounts the cgroup2 hierarchy itself, with the options it wants
[ "$INIT" = systemd ] || mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup 2>/dev/null || true
mkdir -p /newroot/harness
mount --bind /harness /newroot/harness
# the repo may live under a directory the tmpfs mounts above just hid (e.g. /tmp): bind it back
mkdir -p "/newroot$REPO"
mount --bind "/host$REPO" "/newroot$REPO"
echo "stage2: root ready at uptime $(cut -d' ' -f1 /proc/uptime) s"

# Debian's systemd as PID 1 of /newroot: it reaches sysinit.target (journald, systemd-udevd in its own
# unit sandbox, the coldplug trigger) and then runs the scenarios as virt-mdev-real.service, which powers
# the guest off when it ends, succeeded or not; the target's job timeout powers off a boot that hangs.
prepare_systemd() {
  local U=/newroot/etc/systemd/system t=$(( ${BOOT_TIMEOUT:-300} - 30 ))
  # mtty is loaded again by the scenarios, after boot: its parent's registration is the udev event under
  # test. modprobe needs the guest kernel's modules in the new root (the host's root has none for it).
  rmmod mtty || { echo "stage2: cannot unload mtty"; return 1; }
  mkdir -p /newroot/lib/modules && cp -a "/lib/modules/$(uname -r)" /newroot/lib/modules/ || return 1
  mkdir -p "$U" /newroot/etc/systemd/system.conf.d
  # no status lines and progress spinner on the console (its log lines stay); in system.conf.d because a
  # daemon-reload resets what the command line said
  printf '%s\n' '[Manager]' 'ShowStatus=no' > /newroot/etc/systemd/system.conf.d/virt-mdev-real.conf
  # generators run at start and at every daemon-reload; over 9p under TCG each costs seconds, and none but
  # the fstab one concerns this boot (SysV scripts, getty, GPT, crypt/verity/integrity, postgresql, ...)
  mkdir -p /newroot/etc/systemd/system-generators
  for g in /newroot/lib/systemd/system-generators/*; do
    case "${g##*/}" in systemd-fstab-generator) ;; *) ln -sf /dev/null "/newroot/etc/systemd/system-generators/${g##*/}";; esac
  done
  cat > "$U/virt-mdev-real.target" <<EOF
[Unit]
Description=virt-mdev real-stack boot: sysinit.target, then the scenarios
Requires=sysinit.target
After=sysinit.target
Wants=virt-mdev-real.service
JobTimeoutSec=$t
JobTimeoutAction=poweroff-force
EOF
  cat > "$U/virt-mdev-real.service" <<EOF
[Unit]
Description=virt-mdev real-stack scenarios ($SCENARIOS)
DefaultDependencies=no
Wants=sysinit.target
After=sysinit.target systemd-udevd.service systemd-journald.service
SuccessAction=poweroff-force
FailureAction=poweroff-force
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'exec /bin/sh /harness/stage2.sh run >> /harness/stage2.log 2>&1'
TimeoutStartSec=$t
EOF
  echo "/lib/systemd/systemd --unit=virt-mdev-real.target --log-target=console --log-time=yes" > /harness/switch-root
}

if [ "$INIT" = systemd ]; then
  prepare_systemd || { echo "stage2: systemd boot not prepared"; rm -f /harness/switch-root; exit 1; }
  echo "stage2: switching to systemd at uptime $(cut -d' ' -f1 /proc/uptime) s"
  exit 0
fi
run_scenarios chroot /newroot
sync
