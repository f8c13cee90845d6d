#!/usr/bin/env bash
# Builds the release archive for this machine's platform, its checksum, and a krew manifest
# for it (dist/). The release workflow runs the same steps for every platform.
#
#   scripts/package.sh            # version from Cargo.toml
#   TARGET=x86_64-unknown-linux-musl scripts/package.sh   # a cross target, if installed
set -euo pipefail
cd "$(dirname "$0")/.."

version="v$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW*|MSYS*|CYGWIN*) os=windows ;;
  *) echo "unsupported OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

# The `dist` profile (Cargo.toml): fat LTO, one codegen unit, stripped.
target_args=()
target_root="${CARGO_TARGET_DIR:-target}"
target_dir="$target_root/dist"
if [ -n "${TARGET:-}" ]; then
  target_args=(--target "$TARGET")
  target_dir="$target_root/$TARGET/dist"
fi
cargo build --profile dist --locked "${target_args[@]}"

exe=kubectl-sidecar
[ "$os" = windows ] && exe=kubectl-sidecar.exe
name="kubectl-sidecar_${version}_${os}_${arch}"
stage="dist/$name"
rm -rf "$stage"
mkdir -p "$stage"
cp "$target_dir/$exe" LICENSE README.md "$stage/"
cp -r completions "$stage/completions"

cd dist
if [ "$os" = windows ]; then
  archive="$name.zip"
  (cd "$name" && zip -qr "../$archive" .)
else
  archive="$name.tar.gz"
  tar -C "$name" -czf "$archive" .
fi
sha256sum "$archive" > "$archive.sha256"
cat ./*.sha256 > checksums.txt
cd ..

# The archive must hold a working binary.
check=$(mktemp -d)
tar -C "$check" -xzf "dist/$archive" 2>/dev/null || unzip -q "dist/$archive" -d "$check"
"$check/$exe" --version
rm -rf "$check"

python3 scripts/render-krew.py krew/.krew.yaml "$version" dist/checksums.txt dist/sidecar.yaml
echo "dist/$archive  $(cut -d' ' -f1 "dist/$archive.sha256")"
echo "dist/sidecar.yaml"
