#!/bin/busybox sh
# PID 1 of the real-stack guest. Kept minimal and stable (it is baked into the cached initramfs): it
# mounts the basics, loads vfio/mdev/mtty and the 9p transport, mounts the work share and the host's
# root, then hands over to /harness/stage2.sh, which the host copies in fresh for every boot. When
# stage2 leaves /harness/switch-root (a command line: init and its arguments), /newroot becomes the root
# and that init (Debian's systemd) becomes PID 1; it powers off by itself.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
for m in virtio_pci 9pnet_virtio 9p overlay virtio-rng vfio vfio_iommu_type1 mdev mtty; do
  modprobe "$m" || echo "harness: modprobe $m failed"
done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 harness /harness || echo "harness: no work share"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro,cache=loose hostroot /host || echo "harness: no host root"
if [ -f /harness/stage2.sh ]; then
  sh /harness/stage2.sh > /harness/stage2.log 2>&1
  echo "$?" > /harness/stage2.rc
  if [ "$(cat /harness/stage2.rc)" = 0 ] && [ -s /harness/switch-root ]; then
    exec switch_root /newroot $(cat /harness/switch-root)
  fi
else
  echo "harness: no /harness/stage2.sh"
fi
sync
poweroff -f
