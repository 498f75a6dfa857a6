#!/usr/bin/env bash
# Installs what the build and tests need, idempotently: each step checks first,
# so a second run on the same machine does nothing and takes a second.
#
# Needs, from the machine: rustup/cargo, node/npm. Everything else comes from
# crates.io, the npm registry or Debian, pinned where versions matter.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bootstrap] %s\n' "$*"; }

for tool in cargo rustup node npm; do
  command -v "$tool" >/dev/null || { echo "bootstrap: $tool is required but not installed" >&2; exit 1; }
done

installed_targets=$(rustup target list --installed)
if ! grep -qx wasm32-unknown-unknown <<<"$installed_targets"; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
installed_components=$(rustup component list --installed)
for component in clippy rustfmt; do
  if ! grep -q "^$component" <<<"$installed_components"; then
    say "adding rustup component $component"
    rustup component add "$component"
  fi
done

# Pinned Rust tools for the Worker build, installed under a fixed root outside
# the checkout ($TOOLS_ROOT, default ~/.cache/mcp-edge-guard), so CI's fresh
# clones on the same machine reuse them. worker-build would download
# wasm-bindgen and wasm-opt from GitHub; scripts/build-worker.sh points it at
# these instead. wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock.
TOOLS="${TOOLS_ROOT:-$HOME/.cache/mcp-edge-guard}/cargo"
install_tool() { # crate version binary
  if [ ! -x "$TOOLS/bin/$3" ] || ! "$TOOLS/bin/$3" --version 2>/dev/null | grep -q "$2"; then
    say "installing $1 $2 (a few minutes, once)"
    cargo install --quiet --root "$TOOLS" "$1" --version "=$2"
  fi
}
wasm_bindgen_version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
install_tool wasm-bindgen-cli "$wasm_bindgen_version" wasm-bindgen
install_tool worker-build 0.8.7 worker-build

# Debian's Chromium for the browser tests (playwright-core drives it; its own
# browser download cannot work here).
if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium (browser tests)"
  sudo_cmd=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

# npm ci only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
