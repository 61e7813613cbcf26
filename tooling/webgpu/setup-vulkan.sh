#!/usr/bin/env bash
# Installs a CPU Vulkan driver (Mesa 25 lavapipe from bookworm-backports) into an ignored folder of the repo, so
# dawn.node (the `webgpu` package) runs the WebGPU backend's tests on a machine without a GPU. Idempotent.
# Usage: bash tooling/webgpu/setup-vulkan.sh [DEST]        (DEST defaults to <repo>/.vk)
#   eval "$(bash tooling/webgpu/setup-vulkan.sh)"           exports VK_ICD_FILENAMES (and FLINT_VK_DIR)
# Debian 12 only; installing the stock lavapipe's dependencies (libLLVM, xcb, the Vulkan loader) needs root.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dest=${1:-$repo/.vk}
mkdir -p "$dest"; dest=$(cd "$dest" && pwd)
log() { echo "setup-vulkan: $*" >&2; }

# Debian 12's own lavapipe (Mesa 22.3) is rejected by Dawn; it is installed only for its shared-library deps.
if ! dpkg -s mesa-vulkan-drivers libvulkan1 >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { log "run as root once (apt-get install mesa-vulkan-drivers libvulkan1)"; exit 1; }
  log "installing mesa-vulkan-drivers libvulkan1 (dependencies of Mesa 25 lavapipe)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mesa-vulkan-drivers libvulkan1 >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mesa-vulkan-drivers libvulkan1 >/dev/null; }
fi

if [ ! -s "$dest/libvulkan_lvp.so" ]; then
  a=$(mktemp -d); trap 'rm -rf "$a"' EXIT
  mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
  # the backports suite of the Debian mirror this machine already uses (deb822 or one-line sources)
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1=="deb" && $3 ~ /^bookworm/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || uri=http://deb.debian.org/debian
  echo "deb $uri bookworm-backports main" > "$a/sources.list"
  O=(-o Dir::Etc::sourcelist="$a/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache")
  log "fetching the bookworm-backports index from $uri"
  apt-get "${O[@]}" update -qq
  ver=$(apt-cache "${O[@]}" madison mesa-vulkan-drivers | awk '/backports/{print $3; exit}')
  [ -n "$ver" ] || { log "no mesa-vulkan-drivers in bookworm-backports"; exit 1; }
  log "unpacking mesa-vulkan-drivers $ver"
  ( cd "$a" && apt-get "${O[@]}" download -qq "mesa-vulkan-drivers=$ver" && dpkg -x mesa-vulkan-drivers_*.deb x )
  cp "$a"/x/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so "$dest/libvulkan_lvp.so.tmp"
  mv "$dest/libvulkan_lvp.so.tmp" "$dest/libvulkan_lvp.so"
  echo "$ver" > "$dest/VERSION"
fi
printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$dest/libvulkan_lvp.so" > "$dest/lvp_icd.json"
echo "export VK_ICD_FILENAMES=$dest/lvp_icd.json FLINT_VK_DIR=$dest"
