# Conformance: the same scripted scenario on the real mtty sysfs and on a simulated mtty host.
set -u
cd "$REPO"
timeout 300 node dist/test/real/conformance.js --out "$OUT"
rc=$?
[ -f "$OUT/conformance.tap" ] || echo "not ok - conformance: runner produced results # rc $rc" > "$OUT/conformance.tap"
exit $rc
