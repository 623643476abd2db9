# Our CLI (nodedev-list, --tree, nodedev-dumpxml, nodedev-create, nodedev-destroy) against the real
# mtty sysfs of the guest. Runs after the conformance scenario, which leaves the bus empty.
set -u
. "$REPO/test/real/guest/lib.sh"
cd "$REPO"
avail() { cat "/sys/class/mdev_bus/mtty/mdev_supported_types/$1/available_instances"; }
U=7d3e0b52-91c4-4f6a-8b1e-2a5c9d0e4f11
UN=${U//-/_}
X=$T/create.xml

# start from an empty bus even when the conformance scenario stopped half-way (disposable guest)
for d in /sys/bus/mdev/devices/*; do [ -e "$d/remove" ] && echo 1 > "$d/remove"; done
expect "cli: real bus is empty before the CLI checks" [ "$(ls /sys/bus/mdev/devices | wc -l)" -eq 0 ]

vm nodedev-list
expect "cli: nodedev-list lists the computer and the mtty parent (mtty_mtty)" \
  bash -c '[ $0 -eq 0 ] && grep -qx computer "$1" && grep -qx mtty_mtty "$1"' "$rc" "$T/out"
vm nodedev-list --cap mdev_types
expect "cli: nodedev-list --cap mdev_types = mtty_mtty" bash -c '[ $0 -eq 0 ] && [ "$(cat "$1")" = mtty_mtty ]' "$rc" "$T/out"

vm nodedev-dumpxml mtty_mtty
expect "cli: nodedev-dumpxml mtty_mtty shows both types with the kernel's available_instances" \
  bash -c '[ $0 -eq 0 ] && grep -q "<type id=.mtty-1.>" "$1" && grep -q "<type id=.mtty-2.>" "$1" &&
    grep -q "<availableInstances>$2</availableInstances>" "$1" && grep -q "<availableInstances>$3</availableInstances>" "$1" &&
    grep -q "<path>/sys/devices/virtual/mtty/mtty</path>" "$1"' "$rc" "$T/out" "$(avail mtty-1)" "$(avail mtty-2)"

cat > "$X" <<XML
<device>
  <parent>mtty_mtty</parent>
  <capability type='mdev'>
    <type id='mtty-2'/>
    <uuid>$U</uuid>
  </capability>
</device>
XML
vm nodedev-create "$X"
expect "cli: nodedev-create FILE creates mdev_${UN}_mtty on the real bus" \
  bash -c '[ $0 -eq 0 ] && grep -q "mdev_$1_mtty" "$2" && [ -e /sys/bus/mdev/devices/$3 ] &&
    [ "$(basename "$(readlink /sys/bus/mdev/devices/$3/mdev_type)")" = mtty-2 ]' "$rc" "$UN" "$T/out" "$U"
expect "cli: after the create the kernel reports mtty-2 11, mtty-1 22" bash -c '[ "$0" = 11 ] && [ "$1" = 22 ]' "$(avail mtty-2)" "$(avail mtty-1)"
ls -l /dev/vfio
expect "cli: the new mdev has its /dev/vfio group node" bash -c '[ -c "/dev/vfio/$(basename "$(readlink /sys/bus/mdev/devices/$0/iommu_group)")" ]' "$U"

vm nodedev-list --cap mdev
expect "cli: nodedev-list --cap mdev = mdev_${UN}_mtty" bash -c '[ $0 -eq 0 ] && [ "$(cat "$1")" = "mdev_$2_mtty" ]' "$rc" "$T/out" "$UN"
vm nodedev-list --tree
expect "cli: nodedev-list --tree puts the mdev under mtty_mtty under computer" \
  bash -c '[ $0 -eq 0 ] && head -1 "$1" | grep -qx computer && grep -n "mtty_mtty\|mdev_$2_mtty" "$1" | cut -d: -f2- | tr -d " |+-" | tr "\n" " " | grep -qx "mtty_mtty mdev_$2_mtty "' "$rc" "$T/out" "$UN"
vm --json nodedev-list
expect "cli: --json nodedev-list is JSON naming the mdev" bash -c '[ $0 -eq 0 ] && node -e "const j=JSON.parse(require(\"fs\").readFileSync(process.argv[1],\"utf8\")); if(!JSON.stringify(j).includes(process.argv[2])) process.exit(1)" "$1" "mdev_$2_mtty"' "$rc" "$T/out" "$UN"

vm nodedev-dumpxml "$U"
group=$(basename "$(readlink /sys/bus/mdev/devices/$U/iommu_group)")
expect "cli: nodedev-dumpxml UUID shows type mtty-2, the UUID, parent mtty_mtty and iommuGroup $group" \
  bash -c '[ $0 -eq 0 ] && grep -q "<name>mdev_$2_mtty</name>" "$1" && grep -q "<parent>mtty_mtty</parent>" "$1" &&
    grep -q "<type id=.mtty-2./>" "$1" && grep -q "<uuid>$3</uuid>" "$1" && grep -q "<iommuGroup number=.$4./>" "$1"' "$rc" "$T/out" "$UN" "$U" "$group"
# libvirt's schema accepts the child's XML; its own dumpxml of mtty_mtty (a nested mdev_types capability,
# which ours reproduces byte for byte, see libvirt.sh) does not validate, so only the child is checked
if command -v xmllint >/dev/null && [ -f /usr/share/libvirt/schemas/nodedev.rng ]; then
  cp "$T/out" "$T/child.xml"
  xmllint --noout --relaxng /usr/share/libvirt/schemas/nodedev.rng "$T/child.xml" > "$T/out" 2> "$T/err"; rc=$?
  cat "$T/err"
  expect "cli: nodedev-dumpxml of the mdev validates against libvirt's nodedev.rng" [ $rc -eq 0 ]
fi
vm nodedev-dumpxml "mdev_${UN}_mtty" --xpath 'string(/device/capability/type/@id)'
expect "cli: nodedev-dumpxml NAME --xpath selects the type id" bash -c '[ $0 -eq 0 ] && grep -qx "mtty-2" "$1"' "$rc" "$T/out"

# errors: one line, distinct exit code, nothing changed
before=$(ls /sys/bus/mdev/devices | tr '\n' ' ')
vm nodedev-create "$X"
expect "cli: nodedev-create with a UUID in use → exit 6 (EXISTS), one line, nothing changed" \
  bash -c '[ $0 -eq 6 ] && [ "$(wc -l < "$1")" -ge 1 ] && head -1 "$1" | grep -q "^virt-mdev: " && [ "$(ls /sys/bus/mdev/devices | tr "\n" " ")" = "$2" ]' "$rc" "$T/err" "$before"
sed "s/mtty-2/mtty-9/; s/$U/$(echo $U | sed 's/4f11$/4f12/')/" "$X" > "$T/bad-type.xml"
vm nodedev-create "$T/bad-type.xml"
expect "cli: nodedev-create of a type mtty does not have → exit 5 (NOT_FOUND), nothing changed" \
  bash -c '[ $0 -eq 5 ] && head -1 "$1" | grep -q "^virt-mdev: .*mtty-9" && [ "$(ls /sys/bus/mdev/devices | tr "\n" " ")" = "$2" ]' "$rc" "$T/err" "$before"

# fill the shared 24-port budget by hand, then ask for one more
fill=()
for i in $(seq 10 20); do f=7d3e0b52-91c4-4f6a-8b1e-2a5c9d0e40$i; echo "$f" > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create && fill+=("$f"); done
sed "s/$U/7d3e0b52-91c4-4f6a-8b1e-2a5c9d0e4f13/" "$X" > "$T/full.xml"
before=$(ls /sys/bus/mdev/devices | tr '\n' ' ')
vm nodedev-create "$T/full.xml"
expect "cli: nodedev-create with no capacity left → exit 7 (NO_CAPACITY), nothing changed" \
  bash -c '[ $0 -eq 7 ] && head -1 "$1" | grep -q "^virt-mdev: " && [ "$(ls /sys/bus/mdev/devices | tr "\n" " ")" = "$2" ]' "$rc" "$T/err" "$before"
for f in "${fill[@]}"; do echo 1 > "/sys/bus/mdev/devices/$f/remove"; done

# a create without <uuid>: the UUID is generated
sed "/<uuid>/d; s/mtty-2/mtty-1/" "$X" > "$T/nouuid.xml"
vm nodedev-create "$T/nouuid.xml"
gen=$(grep -o 'mdev_[0-9a-f_]*_mtty' "$T/out" | head -1 | sed 's/^mdev_//; s/_mtty$//; s/_/-/g')
expect "cli: nodedev-create without <uuid> generates one and creates it" \
  bash -c '[ $0 -eq 0 ] && [ -n "$1" ] && [ -e "/sys/bus/mdev/devices/$1" ]' "$rc" "$gen"

vm nodedev-destroy "mdev_${UN}_mtty"
expect "cli: nodedev-destroy NAME removes the device" bash -c '[ $0 -eq 0 ] && [ ! -e /sys/bus/mdev/devices/$1 ]' "$rc" "$U"
[ -n "$gen" ] && vm nodedev-destroy "$gen"
expect "cli: nodedev-destroy UUID removes the generated device" bash -c '[ $0 -eq 0 ] && [ -n "$1" ] && [ ! -e /sys/bus/mdev/devices/$1 ]' "$rc" "$gen"
expect "cli: after the destroys the kernel reports mtty-1 24, mtty-2 12" bash -c '[ "$0" = 24 ] && [ "$1" = 12 ]' "$(avail mtty-1)" "$(avail mtty-2)"
vm nodedev-destroy "$U"
expect "cli: nodedev-destroy of a device that is gone → exit 5 (NOT_FOUND)" bash -c '[ $0 -eq 5 ] && head -1 "$1" | grep -q "^virt-mdev: "' "$rc" "$T/err"
vm nodedev-destroy mtty_mtty
expect "cli: nodedev-destroy refuses the parent, nothing changed" bash -c '[ $0 -ne 0 ] && [ -e /sys/class/mdev_bus/mtty ]' "$rc"
exit 0
