# Helpers for guest scenarios (bash, inside the chroot). Results go to $OUT/<scenario>.tap as
# "ok - name" / "not ok - name # reason" lines; the host numbers them and prints the TAP stream.
RESULTS="$OUT/$(basename "${BASH_SOURCE[1]:-$0}" .sh).tap"
: > "$RESULTS"
pass() { echo "ok - $1" >> "$RESULTS"; echo "PASS $1"; }
fail() { echo "not ok - $1 # ${2:-}" | tr '\n' ' ' | sed 's/ *$//' >> "$RESULTS"; echo >> "$RESULTS"; echo "FAIL $1: ${2:-}"; }
# check NAME CMD...: passes when CMD exits 0; its output goes to the log
check() {
  local name=$1; shift
  local out rc
  out=$("$@" 2>&1); rc=$?
  echo "+ $(date +%T.%3N) $* (rc $rc)"; [ -n "$out" ] && printf '%s\n' "$out"
  if [ $rc -eq 0 ]; then pass "$name"; else fail "$name" "rc $rc: $(printf '%s' "$out" | tail -3)"; fi
}

# Commands whose output a check looks at: run LABEL CMD... runs CMD with stdout in $T/out, stderr in
# $T/err and its exit code in $rc, and logs all three; expect NAME COND... passes when COND succeeds, else
# fails with rc and the start of the last command's output as the reason.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
run() {
  local label=$1; shift
  "$@" > "$T/out" 2> "$T/err"; rc=$?
  echo "+ $(date +%T.%3N) $label (rc $rc)"; cat "$T/out" "$T/err"
}
expect() {
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name" "rc ${rc:-?}; stdout: $(head -c 300 "$T/out" 2>/dev/null | tr '\n' ' '); stderr: $(head -c 400 "$T/err" 2>/dev/null | tr '\n' ' ')"; fi
}
# every CLI call is bounded: a hung command fails its check instead of the whole boot
vm() { run "virt-mdev $*" timeout 120 node "$REPO/dist/app/virt-mdev.mjs" "$@"; }
vsh() { run "virsh $*" timeout 300 virsh -c qemu:///system "$@"; }
mc() { run "mdevctl $*" timeout 60 mdevctl "$@"; }
# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds, for at most SECONDS of wall time
wait_for() {
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -ge "$end" ] && return 1; sleep 0.2; done
}
