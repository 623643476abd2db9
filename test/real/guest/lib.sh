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
