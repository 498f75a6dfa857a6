#!/usr/bin/env bash
# Builds the Worker bundle into build/ with worker-build, using the pinned
# tools from .tools/ and node_modules/ instead of letting worker-build download
# its own (it fetches wasm-bindgen and wasm-opt from GitHub otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
export WASM_BINDGEN_BIN="$PWD/.tools/cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
export PATH="$PWD/.tools/cargo/bin:$PATH"
worker-build --release --features worker
