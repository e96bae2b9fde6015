#!/usr/bin/env bash
# Builds the release: one static binary per platform and a SHA256SUMS file.
#
#   scripts/release.sh [VERSION]     (default: git describe, e.g. v0.3.0-12-gabc1234)
#
# Output in dist/VERSION/: msnserver-VERSION-linux-amd64, -linux-arm64
# (Raspberry Pi 3/4/5 with a 64-bit OS), -windows-amd64.exe, -darwin-arm64,
# and SHA256SUMS (check with `sha256sum -c SHA256SUMS`). Nothing but the Go
# toolchain is needed: CGO is off, so every target cross-compiles from here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

version="${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
commit="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then commit="$commit-modified"; fi
out="dist/$version"
targets=(linux/amd64 linux/arm64 windows/amd64 darwin/arm64)

rm -rf "$out"
mkdir -p "$out"
for t in "${targets[@]}"; do
  os="${t%/*}" arch="${t#*/}"
  name="msnserver-$version-$os-$arch"
  [ "$os" = windows ] && name="$name.exe"
  echo "building $name"
  # -trimpath keeps the build reproducible; -X names the version and
  # commit for `msnserver version`; -s -w drop the debug tables.
  CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath \
    -ldflags "-s -w -X main.version=$version -X main.commit=$commit" -o "$out/$name" .
done
(cd "$out" && sha256sum msnserver-* > SHA256SUMS)
echo "release $version in $out:"
cat "$out/SHA256SUMS"
