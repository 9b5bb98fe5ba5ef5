#!/bin/sh
# Starts Debian's rpcbind, ypserv and ypbind (the guide's RPC scene) for a test. Run it inside a test
# network namespace under `unshare -m -u --propagation private`: it mounts a private /run and /var/yp
# and sets the NIS domain, so nothing of the host's own state is touched. Prints "pids: ..." and
# "ready" once ypbind is registered with the portmapper, then waits; SIGTERM stops the daemons.
set -eu
domain=$1
state=$(mktemp -d /tmp/earshot-rpc.XXXXXX)
pids=''
stop() {
  trap - EXIT TERM INT
  [ -n "$pids" ] && kill $pids 2>/dev/null
  wait 2>/dev/null
  umount /var/yp /run 2>/dev/null || true
  rm -rf "$state"
}
trap stop EXIT
trap 'exit 0' TERM INT

mount -t tmpfs tmpfs /run
mkdir -p /run/rpcbind "$state/yp/binding" "$state/yp/$domain"
mount --bind "$state/yp" /var/yp
domainname "$domain"
echo 'ypserver 127.0.0.1' >"$state/yp.conf"

rpcbind -f &
pids="$pids $!"
# rpcbind must be up before the daemons register with it.
i=0
until rpcinfo -p 127.0.0.1 >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo 'rpcbind did not start' >&2; exit 1; }
  sleep 0.05
done
ypserv -d >"$state/ypserv.log" 2>&1 &
pids="$pids $!"
ypbind -n -f "$state/yp.conf" >"$state/ypbind.log" 2>&1 &
pids="$pids $!"
# Ready when ypserv and ypbind are both registered and the list stopped changing: each registers
# its versions and transports one by one (IPv4 and IPv6), and a test comparing two listings taken
# while they still register sees different lists.
i=0
previous=''
while :; do
  i=$((i + 1)); [ $i -gt 200 ] && { echo 'ypserv and ypbind did not register' >&2; cat "$state"/*.log >&2; exit 1; }
  current=$(rpcinfo 127.0.0.1 2>/dev/null)
  case "$current" in
    *100004*100007* | *100007*100004*) [ "$current" = "$previous" ] && break ;;
  esac
  previous=$current
  sleep 0.1
done
echo "pids:$pids"
echo ready
while :; do sleep 1; done &
pids="$pids $!"
wait $!
