#!/usr/bin/env bash
# Size of the verifier core compiled to wasm32-unknown-unknown.
#
# Builds examples/verify.rs (the whole verify path: bearer, JWKS parsing, key
# selection, RS*/PS*/ES256/EdDSA verification, claims, scopes, plus serde_json
# and a little std) with the release profile, then shrinks it with wasm-opt -Oz
# from the npm `binaryen` package. Prints raw and gzip -9 sizes.
#
#     bash bench/wasm-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --target wasm32-unknown-unknown --example verify
raw=target/wasm32-unknown-unknown/release/examples/verify.wasm
opt=target/wasm32-unknown-unknown/release/examples/verify.opt.wasm
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals "$raw" -o "$opt"
report() { printf '%-28s %8d bytes raw  %8d bytes gzip -9\n' "$1" "$(wc -c <"$2")" "$(gzip -9 -c "$2" | wc -c)"; }
report "cargo --release" "$raw"
report "after wasm-opt -Oz" "$opt"
