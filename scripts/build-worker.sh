#!/usr/bin/env bash
# Builds the Worker bundle into build/ with worker-build, using the pinned
# tools from $TOOLS_ROOT (see scripts/bootstrap.sh) and node_modules/ instead of letting worker-build download
# its own (it fetches wasm-bindgen and wasm-opt from GitHub otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${TOOLS_ROOT:-$HOME/.cache/mcp-edge-guard}/cargo"
export WASM_BINDGEN_BIN="$TOOLS/bin/wasm-bindgen"
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
export PATH="$TOOLS/bin:$PATH"
# Without the default `portable-crypto`: the Worker verifies on Web Crypto.
worker-build --release --no-default-features --features worker
# worker-build's own wasm-opt pass (-O, names kept) optimises for speed; -Oz
# without the names section takes another ~15% off the upload
# (docs/BENCHMARKS.md). The feature list is worker-build's: only encodings
# workerd accepts (--all-features would emit some it rejects).
features=(mutable-globals sign-ext nontrapping-float-to-int bulk-memory multivalue reference-types exception-handling)
"$WASM_OPT_BIN" -Oz --strip-debug --strip-producers "${features[@]/#/--enable-}" build/index_bg.wasm -o build/index_bg.wasm
