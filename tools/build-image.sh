#!/usr/bin/env bash
# Build a systemd-booting Debian test image with debootstrap (no registry is reachable) and tag it
# by a hash of its recipe, so it is rebuilt only when this script or its package lists change.
#
#   tools/build-image.sh bookworm|trixie   -> prints the image reference it built or reused
#
# The roles' own packages are downloaded into the image's apt cache but not installed: the roles
# still install them for real, from the cache instead of the network (a test-only package cache).
set -euo pipefail

suite=${1:?usage: build-image.sh SUITE}
here=$(cd "$(dirname "$0")" && pwd)

base_packages=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,iproute2,procps,ca-certificates,openssl,curl,openssh-client,netcat-openbsd,socat
cached_packages="haproxy ufw firewalld openssh-server"

recipe_hash=$( { cat "$0"; echo "$suite"; } | sha256sum | cut -c1-12)
image="localhost/oth-test-debian:${suite}-${recipe_hash}"

# A stable alias as well, for molecule.yml defaults and for iterating by hand.
alias="localhost/oth-test-debian:${suite}"

if podman image exists "$image"; then
  podman tag "$image" "$alias"
  echo "$image"
  exit 0
fi

# The mirror the machine's own apt sources name (deb822 or one-line format).
mirror=$(grep -hoE '^(URIs:\s*|deb\s+)https?://[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
  | grep -v security | head -n1 | sed -E 's/^(URIs:\s*|deb\s+)//' || true)
mirror=${mirror:-http://deb.debian.org/debian}

rootfs=$(mktemp -d /var/tmp/oth-rootfs.XXXXXX)
chmod 755 "$rootfs"  # apt downloads as _apt
trap 'rm -rf "$rootfs"' EXIT

echo "building $image from $mirror" >&2
debootstrap --variant=minbase --include="$base_packages" "$suite" "$rootfs" "$mirror" >&2

cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
SOURCES
# Keep downloaded packages: the image ships them as the test-only cache described above.
rm -f "$rootfs/etc/apt/apt.conf.d/docker-clean"
chroot "$rootfs" apt-get update -qq >&2
# shellcheck disable=SC2086
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --download-only $cached_packages >&2
# A container has no console to log in on; nothing to wait for at boot.
chroot "$rootfs" systemctl mask getty@tty1.service systemd-logind.service >/dev/null 2>&1 || true
echo "oth-test" >"$rootfs/etc/hostname"

tar -C "$rootfs" -c . | podman import --change 'CMD ["/lib/systemd/systemd"]' - "$image" >&2
podman tag "$image" "$alias"
echo "$image"
