#!/usr/bin/env bash
# Makes the base image of suites/python, localhost/bench-debian:bookworm-python, from Debian's own packages:
# debootstrap a minimal bookworm with python3, python3-pytest and git, then import the folder as an image.
# No container registry is involved, only a Debian mirror.
#
#   sudo bash suites/python/env/base.sh            # once; does nothing when the image exists
#   sudo bash suites/python/env/base.sh --force    # make it again (e.g. for Debian's security updates)
#
# Environment: BENCH_DEBIAN_MIRROR (default http://deb.debian.org/debian), TMPDIR (where the rootfs is
# made, about 400 MB; default /var/tmp).
# The image lands in the podman store of the user who runs this script (root's, with sudo): run bench as
# that user too, or it will not find the image to build on.
set -euo pipefail

IMAGE=localhost/bench-debian:bookworm-python
SUITE=bookworm
MIRROR=${BENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES=python3,python3-pytest,git,ca-certificates

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h | --help)
      sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "base.sh: unknown argument '$arg' (expected --force or --help)" >&2
      exit 2
      ;;
  esac
done

if ! command -v podman >/dev/null 2>&1; then
  echo "base.sh: podman is not installed. Install it with: apt-get install podman" >&2
  exit 1
fi

if [ "$force" = 0 ] && podman image exists "$IMAGE" 2>/dev/null; then
  echo "base.sh: $IMAGE already exists; nothing to do (--force makes it again)"
  exit 0
fi

# debootstrap creates device nodes, chroots and installs packages as root: a user namespace is not enough.
if [ "$(id -u)" != 0 ]; then
  echo "base.sh: making $IMAGE needs root (debootstrap chroots and creates device nodes). Run: sudo bash $0" >&2
  echo "         The image then lives in root's podman store, so run bench as root too." >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  echo "base.sh: debootstrap is not installed. Install it with: apt-get install debootstrap" >&2
  exit 1
fi

# With --force, the image being replaced; removed at the end unless an image built on it still needs it.
previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)

root=$(mktemp -d "${TMPDIR:-/var/tmp}/bench-rootfs.XXXXXX")
# The rootfs holds root-owned files and device nodes: remove it whatever happens.
trap 'rm -rf --one-file-system "$root"' EXIT

started=$SECONDS
echo "base.sh: debootstrap $SUITE ($PACKAGES) from $MIRROR into $root"
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$MIRROR" >"$root.log" 2>&1; then
  echo "base.sh: debootstrap failed; the end of its log ($root.log):" >&2
  tail -n 20 "$root.log" >&2
  exit 1
fi
rm -f "$root.log"
# Package caches are of no use in the image and only make it bigger.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
bootstrapped=$SECONDS
echo "base.sh: rootfs ready in $((bootstrapped - started)) s, $(du -sh --one-file-system "$root" | cut -f1)"

tar -C "$root" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' \
  --message "debootstrap --variant=minbase --include=$PACKAGES $SUITE $MIRROR" \
  --quiet - "$IMAGE" >/dev/null
echo "base.sh: imported as $IMAGE in $((SECONDS - bootstrapped)) s"
if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$IMAGE")" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || echo "base.sh: the previous image ${previous:0:12} is kept: images built on it still use it"
fi

# A broken image is better found now than in the middle of a replay.
podman run --rm --network none "$IMAGE" python3 -m pytest --version
echo "base.sh: done in $((SECONDS - started)) s"
