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

# ---- conformance and browser ----
.PHONY: audit-http test-browser

audit-http: ## GraphQL-over-HTTP audit (npm graphql-http serverAudits) against a running gateway
	cd tests/graphql-http-audit && npm ci --no-audit --no-fund --silent
	scripts/with-gateway.sh -- node tests/graphql-http-audit/audit.mjs '{url}/graphql'

test-browser: ## GraphiQL in headless Chromium: runs the default query, expects a product title
	cd tests/browser && npm ci --no-audit --no-fund --silent
	scripts/with-gateway.sh -- node tests/browser/graphiql.mjs '{url}/' $(SCREENSHOT)
