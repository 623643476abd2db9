#!/usr/bin/env bash
# Prepares everything the real-stack tier boots: Debian's 6.1 kernel (as an uncompressed vmlinux for a
# fast PVH boot under TCG), mtty.ko built out of tree from Debian's linux-source (kernel code is never
# committed), and a busybox initramfs with the vfio/mdev/9p/overlay modules. Everything lands in the
# cache dir and is reused: a second run costs a few hundred ms. Prints the kernel ABI on fd 3 when done.
# Progress goes to stderr; stdout is reserved for the TAP stream of run.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${VIRT_MDEV_REAL_CACHE:-/var/cache/virt-mdev-real}
export DEBIAN_FRONTEND=noninteractive
log() { printf '[real/setup] %s\n' "$*" >&2; }
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR
mkdir -p "$CACHE/debs"

# ---- 1. host packages ------------------------------------------------------------------------------
# mdevctl, systemd and udev are there for the guest, which runs the host's root: Debian's mdevctl 1.2 is
# the persistence reference, and the systemd boot runs Debian's systemd as PID 1 with its systemd-udevd
# (installing the systemd package does not make it the host's init: that is systemd-sysv).
host_pkgs=(qemu-system-x86 qemu-utils kmod busybox-static libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients mdevctl systemd udev
           libxml2-utils gcc make libc6-dev xz-utils cpio)
missing=()
for p in "${host_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
apt_updated=0
apt_update() { [ $apt_updated = 1 ] && return 0; log "apt-get update"; apt-get update -q >&2 || true; apt_updated=1; }
if [ ${#missing[@]} -gt 0 ]; then
  apt_update
  log "apt-get install ${missing[*]}"
  # --no-install-recommends keeps libvirt-daemon-system (systemd, iptables, ...) away; no daemon starts on
  # the host because nothing here runs an init system's service manager.
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# ---- 2. kernel ABI: reuse the last complete build, else ask apt ---------------------------------------
K=""
if [ -f "$CACHE/current" ]; then
  K=$(cat "$CACHE/current")
  [ -f "$CACHE/$K/done" ] || K=""
fi
if [ -z "$K" ]; then
  K=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-//p' | head -1 || true)
  if [ -z "$K" ]; then apt_update; K=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-//p' | head -1); fi
  [ -n "$K" ] || { log "cannot resolve Debian's linux-image-amd64 kernel ABI"; exit 1; }
fi
ABI=${K%-amd64}
B="$CACHE/$K"
initsum=$(cat "$here/guest/init.sh" | sha256sum | cut -c1-16)

if [ -f "$B/done" ] && [ -f "$B/initramfs-$initsum.cpio.gz" ]; then
  echo "$K" >&3
  exit 0
fi
mkdir -p "$B"

if [ ! -f "$B/done" ]; then
  t0=$(date +%s)
  # ---- 3. kernel pieces as .debs (never installed on the host) --------------------------------------
  want=(linux-image-$K linux-headers-$K linux-headers-$ABI-common linux-kbuild-6.1 linux-source-6.1 busybox-static)
  # downloads land in tmp/ first: an interrupted download never leaves a truncated .deb in the cache
  mkdir -p "$CACHE/debs/tmp"
  chown _apt "$CACHE/debs/tmp" 2>/dev/null || true
  for p in "${want[@]}"; do
    if ! ls "$CACHE/debs/${p}_"*.deb >/dev/null 2>&1; then
      log "apt-get download $p"
      rm -f "$CACHE/debs/tmp/"*.deb
      (cd "$CACHE/debs/tmp" && apt-get download -q "$p" >&2) || { apt_update; (cd "$CACHE/debs/tmp" && apt-get download -q "$p" >&2); }
      mv "$CACHE/debs/tmp/${p}_"*.deb "$CACHE/debs/"
    fi
  done
  deb() { ls -t "$CACHE/debs/${1}_"*.deb | head -1; }

  rm -rf "$B/root" "$B/src" "$B/mtty"
  mkdir -p "$B/root" "$B/src" "$B/mtty"
  log "unpacking kernel, headers, kbuild, busybox"
  for p in linux-image-$K linux-headers-$K linux-headers-$ABI-common linux-kbuild-6.1 busybox-static; do
    dpkg -x "$(deb "$p")" "$B/root"
  done
  # the .deb ships no modules.dep (its postinst runs depmod)
  depmod -b "$B/root" "$K"

  # ---- 4. mtty.ko out of tree: only samples/vfio-mdev/mtty.c is taken from linux-source -------------
  log "extracting mtty.c from linux-source-6.1"
  dpkg-deb --fsys-tarfile "$(deb linux-source-6.1)" | tar -x -C "$B/src" --wildcards './usr/src/linux-source-6.1.tar.xz'
  tar -xJf "$B/src/usr/src/linux-source-6.1.tar.xz" -C "$B/src" linux-source-6.1/samples/vfio-mdev/mtty.c
  cp "$B/src/linux-source-6.1/samples/vfio-mdev/mtty.c" "$B/mtty/"
  rm -rf "$B/src"
  echo 'obj-m := mtty.o' > "$B/mtty/Kbuild"
  # the headers' Makefile includes the -common tree by absolute path: point it at the extracted copy
  sed -i "s#include /usr/src/#include $B/root/usr/src/#" "$B/root/usr/src/linux-headers-$K/Makefile"
  log "building mtty.ko"
  make -s -C "$B/root/usr/src/linux-headers-$K" M="$B/mtty" modules >&2

  # ---- 5. uncompressed vmlinux: PVH direct boot with qboot skips the slow in-guest decompressor ------
  log "extracting vmlinux"
  off=$(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$B/root/boot/vmlinuz-$K" | head -1 | cut -d: -f1) || true
  [ -n "$off" ] || { log "no xz payload in vmlinuz-$K"; exit 1; }
  tail -c +$((off + 1)) "$B/root/boot/vmlinuz-$K" | xz -dc --single-stream > "$B/vmlinux" 2>/dev/null || true
  [ "$(head -c 4 "$B/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] || { log "vmlinux extraction failed"; exit 1; }
  touch "$B/done"
  log "kernel $K ready in $(( $(date +%s) - t0 )) s"
fi

# ---- 6. initramfs: busybox, the modules the guest loads, our init ------------------------------------
log "packing initramfs"
I="$B/initramfs"
rm -rf "$I"; mkdir -p "$I"
(cd "$I" && mkdir -p bin sbin proc sys dev tmp run host harness newroot "lib/modules/$K/extra")
cp "$B/root/bin/busybox" "$I/bin/busybox"
M="$B/root/lib/modules/$K"
for m in kernel/drivers/vfio/vfio.ko kernel/drivers/vfio/vfio_iommu_type1.ko kernel/drivers/vfio/mdev/mdev.ko \
         kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio_pci.ko \
         kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko \
         kernel/net/9p/9pnet.ko kernel/net/9p/9pnet_virtio.ko kernel/fs/9p/9p.ko kernel/fs/netfs/netfs.ko \
         kernel/fs/fscache/fscache.ko kernel/fs/overlayfs/overlay.ko kernel/drivers/char/hw_random/virtio-rng.ko; do
  if [ -f "$M/$m" ]; then mkdir -p "$I/lib/modules/$K/$(dirname "$m")"; cp "$M/$m" "$I/lib/modules/$K/$m"; fi
done
cp "$B/mtty/mtty.ko" "$I/lib/modules/$K/extra/"
cp "$M"/modules.order "$M"/modules.builtin "$M"/modules.builtin.modinfo "$I/lib/modules/$K/"
depmod -b "$I" "$K"
install -m 0755 "$here/guest/init.sh" "$I/init"
rm -f "$B"/initramfs-*.cpio.gz
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) > "$B/initramfs-$initsum.cpio.gz.tmp"
mv "$B/initramfs-$initsum.cpio.gz.tmp" "$B/initramfs-$initsum.cpio.gz"
rm -rf "$I"
echo "$K" > "$CACHE/current"
echo "$K" >&3
