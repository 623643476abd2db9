# A pool on the real mtty parent with real libvirt 9.0 (issue 9): a pool of one mtty-2 member reserves its
# capacity on the bus; a VM whose managed hostdev names the pool draws from it at prepare (the member makes
# way for the domain's own UUID) and QEMU holds that device; a second VM finds the pool empty and fails with
# our message; `virsh destroy` returns the member. Runs after libvirt.sh in the same boot (libvirtd up, our
# hook installed), or sets both up itself.
set -u
. "$REPO/test/real/guest/lib.sh"
. "$REPO/test/real/guest/libvirt-lib.sh"
cd "$REPO"
POOL=realpool
TYPES=/sys/class/mdev_bus/mtty/mdev_supported_types
avail() { cat "$TYPES/$1/available_instances"; }
pool_counts() { # pool_counts FREE LENT: virt-mdev pool-info reports them
  vm pool-info "$POOL" > /dev/null
  grep -Eq "^Free: *$1\$" "$T/out" && grep -Eq "^Lent: *$2( |\$)" "$T/out"
}
# pool_vm NAME: a domain in the authoring form whose managed hostdev names the pool, transformed and defined;
# sets UUID_<NAME> to the UUID transform gave it
pool_vm() {
  domain_xml "$1" "<hostdev mode='subsystem' type='mdev' managed='yes' model='vfio-pci'><source><mdev pool='$POOL'/></source></hostdev>" > "$T/$1.src.xml"
  vm transform "$T/$1.src.xml"; cp "$T/out" "$T/$1.xml"
  printf -v "UUID_$1" '%s' "$(grep -o "<address uuid='[0-9a-f-]*'" "$T/$1.xml" | head -1 | cut -d"'" -f2)"
  vsh define "$T/$1.xml"
}

hook_ready() { libvirt_running && [ -x /etc/libvirt/hooks/qemu.d/50-virt-mdev ]; }
if ! libvirt_running; then
  libvirt_config
  vm install-hook
  libvirt_start
fi
expect "pools: libvirtd is running with our hook" hook_ready
libvirt_running || exit 1
for d in /sys/bus/mdev/devices/*; do [ -e "$d/remove" ] && echo 1 > "$d/remove"; done

# ---- the pool reserves real capacity --------------------------------------------------------------
printf '%s\n' '<mdevpool>' "  <name>$POOL</name>" "  <type id='mtty-2'/>" '  <parent>mtty_mtty</parent>' '  <size>1</size>' '</mdevpool>' > "$T/pool.xml"
vm pool-define "$T/pool.xml"
expect "pools: pool-define of a pool of one mtty-2 on mtty_mtty" [ $rc -eq 0 ]
before=$(avail mtty-2)
vm pool-start "$POOL"
expect "pools: pool-start creates its member on the real bus (mtty-2 offers one less)" \
  bash -c '[ $0 -eq 0 ] && [ "$(ls /sys/bus/mdev/devices | wc -l)" = 1 ] && [ "$1" = $(( $2 - 1 )) ]' "$rc" "$(avail mtty-2)" "$before"
MEMBER=$(ls /sys/bus/mdev/devices | head -1)
vm pool-list --all
expect "pools: pool-list shows it active, 1 free, 0 lent" grep -Eq "^ *$POOL +active +no +mtty-2 +1 +1 +0 *\$" "$T/out"

# ---- a VM draws the member ------------------------------------------------------------------------
pool_vm poolvm1
pool_vm poolvm2
expect "pools: transform gives each pool hostdev its own UUID ($UUID_poolvm1, $UUID_poolvm2)" \
  bash -c '[ -n "$0" ] && [ -n "$1" ] && [ "$0" != "$1" ]' "$UUID_poolvm1" "$UUID_poolvm2"
vsh start --paused poolvm1
expect "pools: virsh start --paused of a VM drawing from the pool succeeds" [ $rc -eq 0 ]
expect "pools: the member made way for the domain's UUID on the same parent, as mtty-2" \
  bash -c '[ ! -e "/sys/bus/mdev/devices/$0" ] && [ "$(basename "$(readlink "/sys/bus/mdev/devices/$1/mdev_type")")" = mtty-2 ]' "$MEMBER" "$UUID_poolvm1"
expect "pools: QEMU holds the drawn device's VFIO group open" qemu_has_vfio poolvm1 "$(group_of "$UUID_poolvm1")"
lent_to_vm1() { pool_counts 0 1 && grep -q "^Lent: *1 (to poolvm1)" "$T/out"; }
expect "pools: pool-info says 0 free, 1 lent (to poolvm1)" lent_to_vm1

# ---- beyond the pool's size ------------------------------------------------------------------------
devices=$(ls /sys/bus/mdev/devices | tr '\n' ' ')
vsh start --paused poolvm2
expect "pools: a VM beyond the pool's size fails to start" [ $rc -ne 0 ]
expect "pools: the virsh error carries our pool message (pool $POOL: 0 of 1 free, lent to poolvm1)" \
  grep -q "pool '\?$POOL'\?: 0 of 1 free.*poolvm1" "$T/err"
expect "pools: the failed start changed nothing on the bus" bash -c '[ "$(ls /sys/bus/mdev/devices | tr "\n" " ")" = "$0" ]' "$devices"

# ---- destroy returns the member --------------------------------------------------------------------
vsh destroy poolvm1
expect "pools: virsh destroy of the drawing VM succeeds" [ $rc -eq 0 ]
expect "pools: the domain's device is gone and the member is back" \
  wait_for 30 bash -c '[ ! -e "/sys/bus/mdev/devices/$0" ] && [ -e "/sys/bus/mdev/devices/$1" ]' "$UUID_poolvm1" "$MEMBER"
expect "pools: pool-info says 1 free, 0 lent again" pool_counts 1 0

vsh undefine poolvm1; vsh undefine poolvm2
vm pool-destroy "$POOL"
expect "pools: pool-destroy removes the member" bash -c '[ $0 -eq 0 ] && [ ! -e "/sys/bus/mdev/devices/$1" ]' "$rc" "$MEMBER"
vm pool-undefine "$POOL"
expect "pools: pool-undefine removes the pool" [ $rc -eq 0 ]
echo "---- hook log"; tail -12 /var/log/virt-mdev/hook.log 2>/dev/null
exit 0
