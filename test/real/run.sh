#!/usr/bin/env bash
# The real-stack tier (npm run test:real): boots Debian's 6.1 kernel under QEMU/TCG with the mtty sample
# mdev driver, shares the host's root read-only (plus a tmpfs overlay) and runs our scenarios inside the
# guest with the host's own Node, libvirt and QEMU against the real kernel. Prints TAP on stdout and ends
# with "N passed, N failed". Needs root (apt-get, and QEMU's 9p export of '/').
# Env: VIRT_MDEV_REAL_CACHE (default /var/cache/virt-mdev-real), VIRT_MDEV_REAL_BOOTS (default "sysfs libvirt held systemd deb"),
#      VIRT_MDEV_REAL_KEEP=1 keeps the work dirs of the boots.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$here/../.." && pwd)
CACHE=${VIRT_MDEV_REAL_CACHE:-/var/cache/virt-mdev-real}
BOOTS=${VIRT_MDEV_REAL_BOOTS:-sysfs libvirt held systemd deb}
log() { printf '[real] %s\n' "$*" >&2; }
t_start=$(date +%s)

n=0; passed=0; failed=0
tap() { # tap ok|not-ok NAME [REASON]
  n=$((n + 1))
  if [ "$1" = ok ]; then passed=$((passed + 1)); echo "ok $n - $2"
  else failed=$((failed + 1)); echo "not ok $n - $2${3:+ # $3}"; fi
}
finish() {
  echo "1..$n"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$n" -gt 0 ]
  exit $?
}

if [ "$(id -u)" != 0 ]; then
  tap not-ok "real-stack tier runs as root" "needs root for apt-get and QEMU's 9p export of /"; finish
fi

# ---- setup (cached) ---------------------------------------------------------------------------------
t0=$(date +%s)
K=$( { bash "$here/setup.sh" 3>&1 1>&2; } 2> >(cat >&2) ) || K=""
if [ -z "$K" ] || [ ! -f "$CACHE/$K/done" ]; then
  tap not-ok "setup: kernel, mtty.ko, initramfs and host packages" "see [real/setup] lines on stderr"; finish
fi
tap ok "setup: kernel $K, mtty.ko, initramfs ready ($(( $(date +%s) - t0 )) s)"
B="$CACHE/$K"
INITRD=$(ls "$B"/initramfs-*.cpio.gz | head -1)

# ---- one guest boot ----------------------------------------------------------------------------------
# a guest reaches stage2 (init.sh creates stage2.log) within seconds; one that has not after this long hung
# in early boot (seen once in CI: 600 s, nothing on the console)
EARLY_S=${VIRT_MDEV_REAL_EARLY_S:-150}

# run_qemu WORK LIMIT: one guest run, its status returned; sets early_hang=1 when it was stopped for not
# reaching stage2 within EARLY_S
run_qemu() {
  local work=$1 limit=$2 t=0 pid
  early_hang=0
  rm -f "$work/console.log"
  # clocksource=tsc: under TCG the kernel distrusts the TSC and falls back to the HPET, which makes every
  # clock_gettime a trapping syscall; Node calls it thousands of times per start (measured: CLI start 4.7 s
  # → 1.8 s). QEMU derives every vCPU's TSC from the host's, so it is in sync.
  timeout -k 10 "$limit" qemu-system-x86_64 \
    -accel tcg,thread=multi -cpu max -bios /usr/share/qemu/qboot.rom -m 2048 -smp 2 \
    -nographic -no-reboot -nic none -kernel "$B/vmlinux" -initrd "$INITRD" \
    -append "console=ttyS0 panic=-1 quiet loglevel=3 clocksource=tsc tsc=reliable ${VIRT_MDEV_REAL_APPEND:-}" \
    -virtfs "local,path=$work,mount_tag=harness,security_model=none,id=ws" \
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap,id=hr" \
    -device virtio-rng-pci < /dev/null > "$work/console.log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$early_hang" = 0 ] && [ "$t" -ge "$EARLY_S" ] && [ ! -e "$work/stage2.log" ]; then
      early_hang=1
      kill "$pid" 2>/dev/null   # timeout(1) passes the signal on to QEMU
    fi
    sleep 1
    t=$((t + 1))
  done
  wait "$pid"
}

# boot [--init systemd] [--timeout S] NAME SCENARIO... : runs the scenarios in one VM; their result lines
# land in $work/<scenario>.tap. --init systemd: Debian's systemd becomes PID 1 of the guest's root and
# runs the scenarios as a service (stage2.sh).
boot() {
  local init=busybox limit=${VIRT_MDEV_REAL_BOOT_TIMEOUT:-600}
  while [ $# -gt 0 ]; do
    case "$1" in
      --init) init=$2; shift 2;;
      --timeout) [ -z "${VIRT_MDEV_REAL_BOOT_TIMEOUT:-}" ] && limit=$2; shift 2;;
      *) break;;
    esac
  done
  local name=$1; shift
  local work; work=$(mktemp -d "${TMPDIR:-/tmp}/virt-mdev-real-$name.XXXXXX")
  chmod 755 "$work"
  cp "$here/guest/stage2.sh" "$work/stage2.sh"
  { echo "REPO='$REPO'"; echo "SCENARIOS='$*'"; echo "CACHE_SHARE=/harness/cache"; echo "INIT=$init"; echo "BOOT_TIMEOUT=$limit"; } > "$work/job.env"
  mkdir -p "$CACHE/share"
  # persistent bits the guest may read and update (libvirt's QEMU capabilities cache)
  mkdir -p "$work/cache"; cp -a "$CACHE/share/." "$work/cache/" 2>/dev/null || true
  local b0; b0=$(date +%s)
  log "boot $name: $* (init $init, work dir $work)"
  local attempt qrc
  for attempt in 1 2; do
    run_qemu "$work" "$limit"
    qrc=$?
    # the guest hung before its init handed over to stage2 (no stage2.log, an empty console): none of
    # our code ran, so boot it once more rather than report the scenarios as failed
    [ "$early_hang" = 1 ] && [ "$attempt" = 1 ] || break
    log "boot $name: no stage2 after ${EARLY_S} s (console: $(tail -c 200 "$work/console.log" | tr '\n' ' ')); booting again"
  done
  local secs=$(( $(date +%s) - b0 ))
  log "boot $name: qemu rc $qrc after $secs s"
  if [ "$early_hang" = 1 ]; then
    tap not-ok "boot $name: guest ran its scenarios and powered off" "twice no stage2 after ${EARLY_S} s (an early boot hang); console: $(tail -c 300 "$work/console.log" | tr '\n' ' ')"
  elif [ $qrc -ne 0 ] || [ ! -f "$work/stage2.rc" ]; then
    tap not-ok "boot $name: guest ran its scenarios and powered off" "qemu rc $qrc after $secs s (124 = timeout); console: $(tail -c 300 "$work/console.log" | tr '\n' ' ')"
  else
    tap ok "boot $name: guest ran its scenarios and powered off ($secs s)"
  fi
  local s line
  for s in "$@"; do
    if [ ! -f "$work/$s.tap" ]; then
      tap not-ok "$name/$s: scenario produced results" "no $s.tap; log tail: $(tail -c 400 "$work/$s.log" 2>/dev/null | tr '\n' ' ')"
      continue
    fi
    while IFS= read -r line; do
      case "$line" in
        'ok - '*) tap ok "${line#ok - }";;
        'not ok - '*) local rest=${line#not ok - }; tap not-ok "${rest%% # *}" "$( [[ "$rest" == *' # '* ]] && echo "${rest#* # }")";;
      esac
    done < "$work/$s.tap"
    if [ "$(cat "$work/$s.rc" 2>/dev/null)" != 0 ]; then
      tap not-ok "$name/$s: scenario script completed" "rc $(cat "$work/$s.rc" 2>/dev/null || echo none); log tail: $(tail -c 400 "$work/$s.log" | tr '\n' ' ')"
    fi
  done
  cp -a "$work/cache/." "$CACHE/share/" 2>/dev/null || true
  if [ "${VIRT_MDEV_REAL_KEEP:-0}" = 1 ] || [ "$failed" -gt 0 ]; then
    log "boot $name: logs kept in $work"
  else
    rm -rf "$work"
  fi
}

for b in $BOOTS; do
  case "$b" in
    sysfs) boot sysfs conformance cli mdevctl;;
    systemd) boot --init systemd --timeout 480 systemd udev autostart;;
    libvirt) boot --timeout 900 libvirt libvirt persist pools;;
    # its own boot: it starts libvirtd itself, and a running L2 guest under TCG makes it slow
    held) boot --timeout 900 held held;;
    # last: it replaces the guest's Node with Debian's nodejs 18 (guest/deb.sh). The package is built
    # here, from the checkout the tier tests, and Debian's nodejs debs come from .ci/node18's cache.
    deb)
      rm -rf "$REPO/dist/real-deb"
      if ! node "$REPO/dist/scripts/build-deb.js" --out "$REPO/dist/real-deb" >&2; then
        tap not-ok "deb: npm run deb's build of the package" "see stderr"
      elif ! bash "$REPO/.ci/node18" >&2; then
        tap not-ok "deb: Debian's nodejs 18 debs cached by .ci/node18" "see stderr"
      else
        tap ok "deb: built $(basename "$REPO"/dist/real-deb/*.deb); Debian's nodejs 18 debs cached"
        boot --timeout 1200 deb deb
      fi;;
    # any one busybox-booted scenario alone, by its name (smoke, conformance, cli, mdevctl, ...)
    *) if [ -f "$here/guest/$b.sh" ]; then boot "$b" "$b"; else tap not-ok "boot $b" "unknown boot name"; fi;;
  esac
done
log "total $(( $(date +%s) - t_start )) s"
finish
