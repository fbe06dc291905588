#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM: two sites, each a LAN namespace behind a gateway
# namespace, the gateways joined by an underlay link; each gateway has an
# espvti interface towards the other.
#
#   lan-a (10.1.0.0/24) -- gw-a == 198.51.100.0/24 == gw-b -- lan-b (10.2.0.0/24)
#                           vti0 169.254.0.1/30  169.254.0.2/30 vti0
set -eu
moddir=$1
espvti=$PWD/tools/espvti/espvti
exec > >(tee /tmp/out/demo.txt) 2>&1

run() {
	echo "\$ $*"
	"$@"
}

insmod "$moddir/espvti.ko"
for ns in lan-a gw-a gw-b lan-b; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip link add lan0 netns lan-a type veth peer name lan0 netns gw-a
ip link add lan0 netns lan-b type veth peer name lan0 netns gw-b
ip link add wan0 netns gw-a type veth peer name wan0 netns gw-b
ip -n lan-a addr add 10.1.0.2/24 dev lan0
ip -n gw-a addr add 10.1.0.1/24 dev lan0
ip -n lan-b addr add 10.2.0.2/24 dev lan0
ip -n gw-b addr add 10.2.0.1/24 dev lan0
ip -n gw-a addr add 198.51.100.1/24 dev wan0
ip -n gw-b addr add 198.51.100.2/24 dev wan0
for ns in lan-a gw-a gw-b lan-b; do
	for dev in $(ip -n "$ns" -br link | awk '$1 != "lo" { sub(/@.*/, "", $1); print $1 }'); do
		ip -n "$ns" link set "$dev" up
	done
done
ip -n lan-a route add default via 10.1.0.1
ip -n lan-b route add default via 10.2.0.1

echo "# Each gateway gets an espvti interface."
run ip -n gw-a link add vti0 type espvti
run ip -n gw-b link add vti0 type espvti
for side in a:1:2 b:2:1; do
	IFS=: read -r s me peer <<< "$side"
	ip -n "gw-$s" addr add "169.254.0.$me/30" dev vti0
	ip -n "gw-$s" link set vti0 up
	ip -n "gw-$s" route add "10.$peer.0.0/24" dev vti0
done
echo
run ip netns exec gw-a ping -c 1 -W 1 198.51.100.2
echo
run ip -n gw-a -d link show vti0
echo
run "$espvti" -n gw-a show
run "$espvti" -n gw-b -j show
echo
echo "# The interfaces have no carrier: no SA is installed yet, so the routes"
echo "# through them are marked linkdown and nothing leaves unencrypted."
run ip -n gw-a route show dev vti0
