#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM: two sites, each a LAN namespace behind a gateway
# namespace, the gateways joined by an underlay link; each gateway has an
# espvti interface towards the other, configured from the files in
# tests/demo/ with espvti setconf. Pings cross the tunnel, the SAs are
# rekeyed make-before-break under a continuous ping that must lose
# nothing, and the state is shown with its counters.
#
#   lan-a (10.1.0.0/24) -- gw-a == 198.51.100.0/24 == gw-b -- lan-b (10.2.0.0/24)
#                           vti0 169.254.0.1/30  169.254.0.2/30 vti0
set -eu
moddir=$1
espvti=$PWD/tools/espvti/espvti
exec > >(tee /tmp/out/demo.txt) 2>&1
# The files hold keys: espvti reads them only when no one else may (a copy,
# as the checkout's are readable by all).
demo=/tmp/demo
cp -R tests/demo "$demo"
chmod -R go-rwx "$demo"

run() {
	echo "\$ $*"
	"$@"
}

# The espvti commands as the transcript shows them.
espvti() {
	echo "\$ espvti $*"
	"$espvti" "$@"
}

# What the module needs (udp_tunnel, ip6_udp_tunnel): insmod loads none.
deps=$(modinfo -F depends "$moddir/espvti.ko" | tr , ' ')
# shellcheck disable=SC2086
[ -z "$deps" ] || modprobe -a $deps
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
for ns in gw-a gw-b; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
done

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
espvti -n gw-a show
espvti -n gw-b -j show
echo
echo "# The interfaces have no carrier: no SA is installed yet, so the routes"
echo "# through them are marked linkdown and nothing leaves unencrypted."
run ip -n gw-a route show dev vti0

# What happens on gw-a, event by event, until the end.
"$espvti" -n gw-a monitor > /tmp/events-gw-a.txt 2>&1 &
monitor=$!
sleep 0.2

echo
echo "# Each gateway from its config file: tunnel addresses, an SA each way"
echo "# (with lifetimes), the selectors."
run cat "$demo/site-a.conf"
espvti -n gw-a setconf vti0 "$demo/site-a.conf"
espvti -n gw-b setconf vti0 "$demo/site-b.conf"
espvti -n gw-a show
espvti -n gw-b show
run ip -n gw-a route show dev vti0
echo
run ip netns exec lan-a ping -c 3 -i 0.2 -W 1 10.2.0.2
echo
espvti -n gw-a sa show vti0

echo
echo "# A rekey, make before break, under a ping every 20 ms that must lose"
echo "# nothing. New SPIs and keys (from files), and another algorithm:"
echo "# 1. both sides add their new inbound SA, the old one still receives;"
echo "# 2. both add their new outbound SA, current at once, in one step;"
echo "# 3. both setconf the file with the new pair only, which removes the"
echo "#    old one (the outbound, then the inbound, that the peer no longer uses)."
ip netns exec lan-a ping -c 250 -i 0.02 -W 1 10.2.0.2 > /tmp/ping.txt 2>&1 &
ping=$!
sleep 0.5
espvti -n gw-a sa add vti0 dir in spi 0x2002 alg chacha20-poly1305 \
	key @$demo/keys/b-to-a.2.key replay-window 128
espvti -n gw-b sa add vti0 dir in spi 0x1002 alg chacha20-poly1305 \
	key @$demo/keys/a-to-b.2.key replay-window 128
sleep 0.5
espvti -n gw-a sa add vti0 dir out spi 0x1002 alg chacha20-poly1305 \
	key @$demo/keys/a-to-b.2.key limit time-soft 3300 limit time-hard 3600
espvti -n gw-b sa add vti0 dir out spi 0x2002 alg chacha20-poly1305 \
	key @$demo/keys/b-to-a.2.key limit time-soft 3300 limit time-hard 3600
espvti -n gw-a sa show vti0
sleep 0.5
espvti -n gw-a setconf vti0 "$demo/site-a.rekeyed.conf"
espvti -n gw-b setconf vti0 "$demo/site-b.rekeyed.conf"
rc=0
wait "$ping" || rc=$?
run tail -n 2 /tmp/ping.txt
if [ "$rc" != 0 ] || ! grep -q ' 0% packet loss' /tmp/ping.txt; then
	echo "# FAILED: the rekey lost packets"
	exit 1
fi
echo
run ip netns exec lan-a ping -c 3 -i 0.2 -W 1 10.2.0.2
echo
echo "# After the rekey: the new pair only, and what each SA and each interface"
echo "# counted (espvti -s show: the counters that are not 0)."
espvti -n gw-a sa show vti0
espvti -n gw-b sa show vti0
espvti -n gw-a -s show
espvti -n gw-b -s show
echo
echo "# gw-a as a config file: its keys are write-only."
espvti -n gw-a showconf vti0
echo
echo "# What espvti monitor saw on gw-a, from the first setconf on."
sleep 0.2
kill -TERM "$monitor"
wait "$monitor" || true
run cat /tmp/events-gw-a.txt
