#!/bin/sh
# Installs what building and testing ucr need, when it is missing (Debian).
# --packaging: what `make deb' needs instead (CI builds the packages too)
set -e
pkgs="gcc make libc6-dev binutils libxxhash-dev libzstd-dev perl procps util-linux pkg-config"
pkgs="$pkgs python3 man-db environment-modules"
# Lmod's package conflicts with environment-modules: the tests run Lmod
# unpacked (below), on its own dependencies
pkgs="$pkgs lua5.3 lua-posix lua-filesystem lua-json lua-term tcl"
# MPI, for examples/mpi/ and the MPI tests: both implementations (their
# launchers and their ABIs differ)
pkgs="$pkgs mpich libmpich-dev openmpi-bin libopenmpi-dev"
lmod=/opt/ucr-deps/lmod
packaging=false
[ "${1:-}" = --packaging ] && packaging=true && pkgs="dpkg-dev debhelper lintian"
need=""
for pkg in $pkgs; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need="$need $pkg"
done
$packaging || [ -x "$lmod/usr/share/lmod/lmod/libexec/lmod" ] || need="$need (lmod unpacked in $lmod)"
[ -z "$need" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "ucr needs:$need (run as root, or install them: apt-get install$need)" >&2
	exit 1
fi
echo "installing:$need"
apt-get update -qq
pkgs_needed=$(echo "$need" | sed 's/ (lmod.*//')
[ -n "$pkgs_needed" ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs_needed
if ! $packaging && [ ! -x "$lmod/usr/share/lmod/lmod/libexec/lmod" ]; then
	tmp=$(mktemp -d)
	chmod 755 "$tmp"	# apt downloads as _apt
	(cd "$tmp" && apt-get download -qq lmod)
	mkdir -p "$lmod"
	dpkg-deb -x "$tmp"/lmod_*.deb "$lmod"
	rm -rf "$tmp"
fi
