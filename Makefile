# The two commands of README.md:
#   make dev    the local stack: demo authorization server, demo MCP origin and
#               the gateway on wrangler dev (127.0.0.1:9000, :9100, :8787)
#   make test   every test and check
# Both bootstrap what they need first (scripts/bootstrap.sh, idempotent).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
OUT := out

.PHONY: dev test bootstrap worker npm example vectors bench fuzz-seed

bootstrap:
	@bash scripts/bootstrap.sh

dev: npm
	node scripts/dev.mjs

# The Worker bundle (build/): worker-build with the pinned tools.
worker: bootstrap
	bash scripts/build-worker.sh

# The npm package (pkg/): node, web and bundler builds.
npm: bootstrap
	bash scripts/build-npm.sh

test: bootstrap
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	@# The shipped builds: the adapters on Web Crypto, without the pure-Rust signature code.
	cargo clippy --target wasm32-unknown-unknown --no-default-features --features worker -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --no-default-features --features npm -- -D warnings
	cargo test
	@# The core must stand alone: no feature, no platform crate.
	cargo clippy --no-default-features --lib -- -D warnings
	cargo build --target wasm32-unknown-unknown
	@# Reproducibility: regenerate the vectors with jose and run the suite on the fresh copy.
	rm -rf $(OUT)/vectors && node scripts/gen-vectors.mjs $(OUT)/vectors
	VECTORS_DIR=$(CURDIR)/$(OUT)/vectors cargo test --test vectors
	@# The gateway in workerd against the real peers.
	bash scripts/build-worker.sh
	node --test --test-concurrency=1 --test-timeout=300000 tests/gateway/
	@# The npm package: the same vectors in Node and Chromium, oidc-provider via jwksUri, npm pack + tsc.
	bash scripts/build-npm.sh
	node --test --test-concurrency=1 --test-timeout=300000 tests/npm/
	@# The browser demo (www/) end to end in Chromium: discovery, DCR, PKCE, step-up, client credentials.
	node --test --test-timeout=300000 tests/demo/
	@# The deployable bundle: Worker plus the www/ demo as static assets.
	WRANGLER_SEND_METRICS=false node_modules/.bin/wrangler deploy --dry-run --no-bundle --outdir $(OUT)/deploy

# The verifier core alone, on shared vectors.
example:
	cargo run --quiet --example verify -- \
	  tests/vectors/accept-ed25519.json tests/vectors/reject-expired.json

# Rewrites tests/vectors/ (new keys, same cases); commit the result.
vectors: bootstrap
	node scripts/gen-vectors.mjs tests/vectors

bench: bootstrap
	cargo bench --bench verify
	bash bench/wasm-size.sh
