#!/bin/sh
# Installs what building and testing ucr need, when it is missing (Debian).
set -e
# --packaging: what `make deb' needs instead (CI builds the packages too)
pkgs="gcc make libc6-dev binutils libxxhash-dev libzstd-dev perl procps util-linux pkg-config"
pkgs="$pkgs python3 man-db environment-modules"
[ "${1:-}" = --packaging ] && pkgs="dpkg-dev debhelper lintian"
need=""
for pkg in $pkgs; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need="$need $pkg"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "ucr needs:$need (run as root, or install them: apt-get install$need)" >&2
	exit 1
fi
echo "installing:$need"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
