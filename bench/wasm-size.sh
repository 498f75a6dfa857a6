#!/usr/bin/env bash
# Sizes of the verifier core compiled to wasm32-unknown-unknown.
#
# examples/core_size.rs exports one wasm-bindgen function that runs the whole
# verify path (JWKS parsing, key selection, RS*/PS*/ES256/EdDSA verification,
# claims, scopes, serde_json), so nothing of it can be dead-code eliminated.
# Built with the release profile, bound with the pinned wasm-bindgen CLI, then
# shrunk with wasm-opt -Oz (binaryen from npm). Prints raw and gzip -9 sizes.
#
#     bash bench/wasm-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${TOOLS_ROOT:-$HOME/.cache/mcp-edge-guard}/cargo"
cargo build --quiet --release --target wasm32-unknown-unknown --example core_size
raw=target/wasm32-unknown-unknown/release/examples/core_size.wasm
out=target/wasm-size
rm -rf "$out" && mkdir -p "$out"
"$TOOLS/bin/wasm-bindgen" --target web --out-dir "$out" "$raw"
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-sign-ext \
  --enable-nontrapping-float-to-int --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$out/core_size_bg.wasm" -o "$out/core_size.opt.wasm"
report() { printf '%-34s %8d bytes raw  %8d bytes gzip -9\n' "$1" "$(wc -c <"$2")" "$(gzip -9 -c "$2" | wc -c)"; }
report "core: cargo --release" "$raw"
report "core: wasm-bindgen" "$out/core_size_bg.wasm"
report "core: + wasm-opt -Oz" "$out/core_size.opt.wasm"
if [ -f pkg/web/mcp_edge_guard_bg.wasm ]; then
  report "npm package wasm (pkg/web, shared with pkg/node)" pkg/web/mcp_edge_guard_bg.wasm
fi
if [ -f build/index_bg.wasm ]; then
  report "Worker bundle wasm (build/)" build/index_bg.wasm
fi
