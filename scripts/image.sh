#!/usr/bin/env bash
# Builds the rollout-guard container image as an OCI archive (a tar of an OCI
# image layout, for `podman load` or `skopeo copy oci-archive:...`), with
# Debian tools only (umoci; no container engine, no registry).
#
# The image has no distribution root: one layer holds a stripped copy of the
# binary, exactly the shared libraries it loads (resolved by the dynamic
# loader, `ld.so --list`) and the loader itself, Debian's CA bundle,
# /etc/passwd and /etc/group with the user nonroot (65532), nsswitch.conf,
# /tmp, and the Debian copyright and status files of the packages those
# libraries come from (for license notices and vulnerability scanners). There
# is no shell. The image runs as 65532:65532, its entrypoint is
# /usr/local/bin/rollout-guard and its command `serve`; its environment sets
# GLIBC_TUNABLES (glibc's allocator settings, read only at program start; see
# docs/webhook.md). docs/deploy.md explains the choice.
#
# Files get the time of SOURCE_DATE_EPOCH, else of the input binary, so the
# same binary gives the same image digest.
#   bash scripts/image.sh [--binary build/rollout-guard] [--output build/rollout-guard.tar]
#                         [--repository ghcr.io/rollout-guard/rollout-guard] [--tag VERSION]
#                         [--source URL]
set -euo pipefail
REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
BIN="$REPO_DIR/build/rollout-guard"
OUT="$REPO_DIR/build/rollout-guard.tar"
REPOSITORY=ghcr.io/rollout-guard/rollout-guard
TAG=""
SOURCE=https://github.com/rollout-guard/rollout-guard

usage() {
  echo "usage: bash scripts/image.sh [--binary PATH] [--output PATH] [--repository NAME] [--tag TAG] [--source URL]" >&2
  exit 2
}
die() { echo "image: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --binary|--output|--repository|--tag|--source) [ $# -ge 2 ] || usage ;;&
    --binary) BIN="$2"; shift ;;
    --output) OUT="$2"; shift ;;
    --repository) REPOSITORY="$2"; shift ;;
    --tag) TAG="$2"; shift ;;
    --source) SOURCE="$2"; shift ;;
    *) usage ;;
  esac
  shift
done

for tool in umoci readelf strip; do
  command -v "$tool" >/dev/null || die "$tool not found (bash scripts/deps.sh installs it)"
done
[ -f "$BIN" ] && [ -x "$BIN" ] || die "$BIN: not an executable file (build it: bash scripts/build.sh)"

# The version label and default tag: `rollout-guard --version` prints "rollout-guard X.Y.Z".
version_line=$("$BIN" --version) || die "$BIN --version failed"
VERSION=${version_line##* }
[[ "$version_line" == "rollout-guard "* && "$VERSION" =~ ^[A-Za-z0-9_][A-Za-z0-9_.+-]*$ ]] ||
  die "$BIN --version printed '$version_line', expected 'rollout-guard <version>'"
TAG=${TAG:-${VERSION//+/_}}
[[ "$TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "--tag '$TAG': not a valid image tag"
[[ "$REPOSITORY" =~ ^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?$ && "$REPOSITORY" != *:*/*:* ]] ||
  die "--repository '$REPOSITORY': not a valid image repository (lower case, e.g. registry.example.com/rollout-guard)"
REF="$REPOSITORY:$TAG"
EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$BIN")}
[[ "$EPOCH" =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH '$EPOCH': not a number of seconds"
CREATED=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rollout-guard-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"
mkdir -p "$ROOT/usr/local/bin" "$ROOT/etc/ssl/certs" "$ROOT/tmp"
chmod 1777 "$ROOT/tmp"

# The binary, stripped (the input keeps its debug information).
strip --strip-all -o "$ROOT/usr/local/bin/rollout-guard" "$BIN"
chmod 0755 "$ROOT/usr/local/bin/rollout-guard"

# The loader named in the binary (PT_INTERP) lists every library it would load
# and where from; each goes to that same path in the image, the loader too.
INTERP=$(readelf -l "$BIN" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
[ -n "$INTERP" ] && [ -x "$INTERP" ] || die "$BIN: no program interpreter, or '$INTERP' is missing here"
listing=$("$INTERP" --list "$ROOT/usr/local/bin/rollout-guard") || die "$INTERP --list $BIN failed: $listing"
if grep -q 'not found' <<<"$listing"; then
  die "libraries missing on this machine: $(grep 'not found' <<<"$listing" | tr -s ' \t\n' ' ')"
fi
mapfile -t LIBS < <(sed -n -e 's/^\s*[^ ]* => \(\/[^ ]*\) (0x[0-9a-f]*)$/\1/p' \
                           -e 's/^\s*\(\/[^ ]*\) (0x[0-9a-f]*)$/\1/p' <<<"$listing")
printf '%s\n' "${LIBS[@]}" | grep -qxF "$INTERP" || LIBS+=("$INTERP")
packages=(ca-certificates)
for lib in "${LIBS[@]}"; do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
  chmod 0755 "$ROOT$lib"
  # The Debian package that ships it (its path, or the resolved one on merged /usr).
  pkg=$(dpkg-query -S "$lib" 2>/dev/null || dpkg-query -S "$(readlink -f "$lib")" 2>/dev/null) ||
    die "$lib: no Debian package ships it (only libraries from Debian's archive go into the image)"
  packages+=("${pkg%%: *}")
done

# License notices and dpkg status of those packages: scanners (Trivy, Grype)
# read /var/lib/dpkg/status.d/ to find the library versions of distroless-style images.
mkdir -p "$ROOT/var/lib/dpkg/status.d"
for pkg in $(printf '%s\n' "${packages[@]}" | tr ',' '\n' | sed 's/^ *//' | sort -u); do
  name=${pkg%%:*}
  mkdir -p "$ROOT/usr/share/doc/$name"
  cp -L "/usr/share/doc/$name/copyright" "$ROOT/usr/share/doc/$name/copyright" ||
    die "/usr/share/doc/$name/copyright missing"
  dpkg-query -s "$pkg" | grep -v '^Conffiles:\|^ /' >"$ROOT/var/lib/dpkg/status.d/$name"
done

# CA certificates at Debian's path, and where OpenSSL's default verify paths look for them.
cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt" ||
  die "/etc/ssl/certs/ca-certificates.crt missing (Debian package ca-certificates)"
openssldir=$(openssl version -d 2>/dev/null | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')
openssldir=${openssldir:-/usr/lib/ssl}
mkdir -p "$ROOT$openssldir"
ln -s "$(realpath -m --relative-to="$openssldir" /etc/ssl/certs/ca-certificates.crt)" "$ROOT$openssldir/cert.pem"

cat >"$ROOT/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin
EOF
cat >"$ROOT/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
cat >"$ROOT/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF

find "$ROOT" -exec touch -h -d "@$EPOCH" {} +

# The OCI image: an empty image, unpacked as a runtime bundle; the root goes
# into it and is repacked as the one layer (--rootless: the invoking user's
# files become root's, so this needs no root).
LAYOUT="$WORK/layout"
umoci init --layout "$LAYOUT"
umoci new --image "$LAYOUT:$REF"
umoci unpack --rootless --image "$LAYOUT:$REF" "$WORK/bundle"
cp -a "$ROOT/." "$WORK/bundle/rootfs/"
touch -h -d "@$EPOCH" "$WORK/bundle/rootfs"
umoci repack --image "$LAYOUT:$REF" --history.created "$CREATED" \
  --history.created_by "scripts/image.sh" "$WORK/bundle"
umoci config --image "$LAYOUT:$REF" --created "$CREATED" --author rollout-guard \
  --history.created "$CREATED" --history.created_by "scripts/image.sh" \
  --config.user 65532:65532 --config.workingdir / \
  --config.env PATH=/usr/local/bin --config.env GLIBC_TUNABLES=glibc.malloc.tcache_count=256 \
  --config.entrypoint /usr/local/bin/rollout-guard --config.cmd serve \
  --config.exposedports 8443/tcp \
  --config.label "org.opencontainers.image.title=rollout-guard" \
  --config.label "org.opencontainers.image.version=$VERSION" \
  --config.label "org.opencontainers.image.source=$SOURCE" \
  --config.label "org.opencontainers.image.created=$CREATED"
umoci gc --layout "$LAYOUT"

mkdir -p "$(dirname "$OUT")"
tar --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner -C "$LAYOUT" -cf "$OUT.tmp" .
mv "$OUT.tmp" "$OUT"

layers=$(du -cb "$LAYOUT"/blobs/sha256/* | tail -1 | cut -f1)
rootfs=$(du -sb --apparent-size "$ROOT" | cut -f1)
echo "image: $OUT ($REF): $rootfs bytes unpacked, $(stat -c %s "$OUT") bytes archived (${layers} in blobs)"
