#!/usr/bin/env bash
# Builds the npm package into pkg/: the core with the `npm` feature (no Workers
# runtime), bound by the pinned wasm-bindgen CLI for three targets — nodejs
# (CommonJS, loads the wasm itself), web (ES module + init()), bundler — each
# shrunk with wasm-opt -Oz. `cd pkg && npm pack` makes the tarball.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${TOOLS_ROOT:-$HOME/.cache/mcp-edge-guard}/cargo"
WASM_OPT="$PWD/node_modules/.bin/wasm-opt"
features=(mutable-globals sign-ext nontrapping-float-to-int bulk-memory multivalue reference-types)

# opt-level "z" for the package: 12 KB less gzip than the crate's "s" (docs/BENCHMARKS.md).
CARGO_PROFILE_RELEASE_OPT_LEVEL=z cargo build --quiet --release --lib --target wasm32-unknown-unknown --no-default-features --features npm
wasm=target/wasm32-unknown-unknown/release/mcp_edge_guard.wasm
rm -rf pkg && mkdir -p pkg
for target in nodejs web bundler; do
  dir=pkg/$([ "$target" = nodejs ] && echo node || echo "$target")
  "$TOOLS/bin/wasm-bindgen" --target "$target" --out-dir "$dir" --out-name mcp_edge_guard "$wasm"
  "$WASM_OPT" -Oz --strip-debug --strip-producers --strip-target-features "${features[@]/#/--enable-}" \
    "$dir/mcp_edge_guard_bg.wasm" -o "$dir/mcp_edge_guard_bg.wasm"
done
# The three targets' wasm files are byte for byte the same: the Node build
# reads the web build's instead of shipping a third copy (the bundler build
# keeps its own, which bundlers resolve next to its glue).
cmp -s pkg/node/mcp_edge_guard_bg.wasm pkg/web/mcp_edge_guard_bg.wasm
rm pkg/node/mcp_edge_guard_bg.wasm
sed -i 's#`${__dirname}/mcp_edge_guard_bg.wasm`#`${__dirname}/../web/mcp_edge_guard_bg.wasm`#' pkg/node/mcp_edge_guard.js
grep -q '/../web/mcp_edge_guard_bg.wasm' pkg/node/mcp_edge_guard.js
# The web and bundler builds are ES modules; say so, or TypeScript's nodenext
# resolution treats them as CommonJS.
for dir in pkg/web pkg/bundler; do printf '{ "type": "module" }\n' >"$dir/package.json"; done
# The Node build requires its JS snippet (src/npm/principal.js), an ES module
# (require(esm): Node ^20.19 || >=22.12, as package.json's engines say).
printf '{ "type": "module" }\n' >pkg/node/snippets/package.json
# wasm-bindgen declares `[Symbol.dispose]()`, which fails type checks for
# projects without the esnext.disposable lib; `free()` stays declared.
sed -i '/\[Symbol.dispose\](): void;/d' pkg/*/mcp_edge_guard.d.ts
cp npm/package.json npm/README.md LICENSE pkg/
# The browser demo (www/) loads the web build from its own origin.
rm -rf www/pkg && mkdir -p www/pkg && cp -r pkg/web/mcp_edge_guard.js pkg/web/mcp_edge_guard_bg.wasm pkg/web/snippets www/pkg/
printf 'npm package in pkg/: wasm %s bytes, %s gzip\n' \
  "$(wc -c <pkg/web/mcp_edge_guard_bg.wasm)" "$(gzip -9 -c pkg/web/mcp_edge_guard_bg.wasm | wc -c)"
