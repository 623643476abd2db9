# Second stage of the guest's PID 1 (busybox sh, outside the chroot). Builds /newroot = the host's root
# (read-only 9p) under a tmpfs overlay, so the guest runs the host's own Node, libvirt and QEMU while
# every write vanishes at power-off; then runs each scenario named in /harness/job.env inside a chroot.
set -u
. /harness/job.env          # REPO, SCENARIOS, optional LIBVIRT=1
echo "stage2: uptime $(cut -d' ' -f1 /proc/uptime) s, kernel $(uname -r)"
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
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup 2>/dev/null || true
mkdir -p /newroot/harness
mount --bind /harness /newroot/harness
# the repo may live under a directory the tmpfs mounts above just hid (e.g. /tmp): bind it back
mkdir -p "/newroot$REPO"
mount --bind "/host$REPO" "/newroot$REPO"
echo "stage2: root ready at uptime $(cut -d' ' -f1 /proc/uptime) s"
for s in $SCENARIOS; do
  echo "stage2: scenario $s start at uptime $(cut -d' ' -f1 /proc/uptime) s"
  chroot /newroot /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    REPO="$REPO" OUT=/harness LANG=C.UTF-8 \
    /bin/bash "$REPO/test/real/guest/$s.sh" > "/harness/$s.log" 2>&1
  echo "$?" > "/harness/$s.rc"
  echo "stage2: scenario $s rc $(cat /harness/$s.rc) at uptime $(cut -d' ' -f1 /proc/uptime) s"
done
sync
