#!/usr/bin/env bash
# Installs the Debian packages earshot's tests use as real peers and oracles (nmap, ss, ip, iptables,
# xmllint, xsltproc, ndiff, daemons). Runs only as root on Debian; elsewhere it says what it skipped.
set -euo pipefail

packages=(
  nmap ndiff iproute2 iptables libxml2-utils xsltproc procps util-linux psmisc
  build-essential python3 ccache
  rpcbind nis openssh-server nginx-light conntrack
  chromium
  redis-server memcached postgresql exim4-daemon-light dnsmasq-base openssl nfs-common
)

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: not root on Debian; skipping Debian packages (${packages[*]})." >&2
  echo "install-deps: tests that need them or network namespaces will be skipped." >&2
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
# Daemons must not start in the root namespace: tests run their own copies inside namespaces.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
# An if, not `&&`: under set -e a false test as the trap's last command would fail the whole script.
cleanup() { if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  echo "install-deps: apt-get failed; its last lines:" >&2
  tail -n 30 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
