#!/bin/sh
# Captures what Debian's mdevctl 1.2 itself reads and writes, for the tests to compare virt-mdev with:
#   mdevctl-store/<case>/expected.json   `mdevctl list --defined --dumpjson` of <case>/store (without the
#                                        files named in <case>/bad-files, which make mdevctl fail as a whole)
#   mdevctl-store/<case>/mdevctl-full.txt  exit status and stderr of mdevctl on the whole store, when it has bad files
#   mdevctl-store/<case>/warnings.txt    mdevctl's warnings (file names it skips), timestamps removed
#   mdevctl-define/<case>/written        the bytes mdevctl wrote for <case>/mdevctl.args, and written.path
# Each mdevctl runs in a private mount namespace over a tmpfs /etc/mdevctl.d, so the host's store is
# never touched. Needs root and /usr/bin/mdevctl.
#   sh capture.sh            rewrite the committed captures
#   sh capture.sh --out DIR  write them under DIR/mdevctl-store and DIR/mdevctl-define instead (live test)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=$(dirname "$here")
out=$data
if [ "${1:-}" = "--out" ]; then out=$2; fi
mdevctl=${MDEVCTL:-/usr/bin/mdevctl}
[ -x "$mdevctl" ] || { echo "capture.sh: $mdevctl is not installed (apt-get install mdevctl)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "capture.sh: needs root (unshare -m, mount)" >&2; exit 2; }

# in_private_store STORE_DIR SCRIPT: runs SCRIPT with STORE_DIR's contents as /etc/mdevctl.d; STORE_DIR
# gets what mdevctl left there
in_private_store() {
  unshare -m sh -eu -c '
    mount --make-rprivate / 2>/dev/null || true
    mount -t tmpfs none /etc/mdevctl.d
    cp -a "$1/." /etc/mdevctl.d/
    mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
    rc=0; sh -eu -c "$2" || rc=$?
    rm -rf /etc/mdevctl.d/scripts.d
    rm -rf "$1"; mkdir -p "$1"; cp -a /etc/mdevctl.d/. "$1/"
    exit $rc' in_private_store "$1" "$2"
}

strip_ts() { sed -e 's/^\[[^]]*\] *//'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for case_dir in "$here"/*/; do
  case_dir=${case_dir%/}
  name=$(basename "$case_dir")
  [ -d "$case_dir/store" ] || continue
  dest=$out/mdevctl-store/$name
  mkdir -p "$dest"
  rm -rf "$tmp/store"; cp -a "$case_dir/store" "$tmp/store"
  if [ -f "$case_dir/bad-files" ]; then
    rc=0
    in_private_store "$tmp/store" "$mdevctl list --defined --dumpjson >/dev/null 2>$tmp/full.err" || rc=$?
    { echo "exit $rc"; strip_ts < "$tmp/full.err"; } > "$dest/mdevctl-full.txt"
    rm -rf "$tmp/store"; cp -a "$case_dir/store" "$tmp/store"
    while read -r bad; do rm -f "$tmp/store/$bad"; done < "$case_dir/bad-files"
  fi
  in_private_store "$tmp/store" "$mdevctl list --defined --dumpjson >$tmp/list.out 2>$tmp/list.err"
  cp "$tmp/list.out" "$dest/expected.json"
  strip_ts < "$tmp/list.err" | sort > "$dest/warnings.txt"
  [ -s "$dest/warnings.txt" ] || rm -f "$dest/warnings.txt"
done

for case_dir in "$data"/mdevctl-define/*/; do
  case_dir=${case_dir%/}
  name=$(basename "$case_dir")
  dest=$out/mdevctl-define/$name
  mkdir -p "$dest"
  rm -rf "$tmp/store"; mkdir -p "$tmp/store"
  script="cd '$case_dir'"
  while read -r line; do script="$script; $mdevctl $line >/dev/null"; done < "$case_dir/mdevctl.args"
  in_private_store "$tmp/store" "$script"
  file=$(cd "$tmp/store" && find . -type f | sed -e 's|^\./||')
  [ "$(echo "$file" | wc -l)" = 1 ] || { echo "capture.sh: $name: expected one file, mdevctl wrote: $file" >&2; exit 1; }
  cp "$tmp/store/$file" "$dest/written"
  printf '%s %s\n' "$(stat -c %a "$tmp/store/$file")" "$file" > "$dest/written.path"
done
echo "captured with $($mdevctl --version) into $out"
