# The two commands of README.md:
#   make dev    runs the main job (for now: the verifier example on shared vectors)
#   make test   runs every test and check
# Both bootstrap what they need first (scripts/bootstrap.sh, idempotent).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
OUT := out

.PHONY: dev test bootstrap vectors bench fuzz-seed

bootstrap:
	@bash scripts/bootstrap.sh

dev: bootstrap
	cargo run --quiet --example verify -- \
	  tests/vectors/accept-ed25519.json tests/vectors/accept-ps256.json \
	  tests/vectors/reject-expired.json tests/vectors/reject-hs256-with-rsa-public-key.json

test: bootstrap
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo test
	@# The core must stand alone: no feature, no platform crate.
	cargo test --no-default-features --lib
	cargo build --target wasm32-unknown-unknown
	@# Reproducibility: regenerate the vectors with jose and run the suite on the fresh copy.
	rm -rf $(OUT)/vectors && node scripts/gen-vectors.mjs $(OUT)/vectors
	VECTORS_DIR=$(CURDIR)/$(OUT)/vectors cargo test --test vectors

# Rewrites tests/vectors/ (new keys, same cases); commit the result.
vectors: bootstrap
	node scripts/gen-vectors.mjs tests/vectors

bench: bootstrap
	cargo bench --bench verify
	bash bench/wasm-size.sh
