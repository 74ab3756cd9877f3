# Every chore of catalog-gateway. `make help` lists the targets.
CARGO ?= cargo
BIN := target/release/catalog-gateway

.PHONY: help build run test lint fmt schema bench bench-gtin clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

build: ## Build the release binary
	$(CARGO) build --release --locked

run: ## Run the gateway on :8080 (embedded demo catalog unless CATALOG_UPSTREAM_URL is set)
	$(CARGO) run --release --locked --

test: ## Run every test (unit, property, doc, end-to-end)
	$(CARGO) test --locked --all-targets
	$(CARGO) test --locked --doc

lint: ## rustfmt check and clippy with warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

schema: ## Rewrite schema.graphql from the code (review the diff: it is the public contract)
	$(CARGO) run --quiet --locked -- schema > schema.graphql

bench-gtin: ## Criterion benchmark of GTIN parsing
	$(CARGO) bench --locked --bench gtin_parse

bench: bench-gtin ## Every benchmark

clean: ## Remove build output
	$(CARGO) clean

# ---- benchmarks ----
# Load benchmark and rollout test (bench/, BENCHMARKS.md). Both start their own
# processes on 127.0.0.1 only, run for a bounded time and clean up on exit; as root
# they install wrk, haproxy and jq with apt-get when missing.
.PHONY: bench-load rollout-test

bench: bench-load

bench-load: ## Load benchmark: gateway scenarios vs bare axum and the upstream (bench/results/latest.md)
	bash bench/run.sh

rollout-test: ## Zero-downtime rolling deploy of 5 replicas behind haproxy under load
	bash bench/rollout.sh
