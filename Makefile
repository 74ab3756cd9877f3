# Every chore of catalog-gateway. `make help` lists the targets.
CARGO ?= cargo
BIN := target/release/catalog-gateway

.PHONY: help build run test test-fast test-deps lint fmt schema bench bench-gtin clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

build: ## Build the release binary (fast to rebuild; `make dist` builds what ships)
	$(CARGO) build --release --locked

run: ## Run the gateway on :8080 (embedded demo catalog unless CATALOG_UPSTREAM_URL is set)
	$(CARGO) run --release --locked --

test: test-deps ## Run every test (unit, property, doc, end-to-end)
	$(CARGO) test --locked --workspace --all-targets
	$(CARGO) test --locked --workspace --doc

test-fast: ## The subset to run on save: unit and property tests of the crate and the gtin crate (no sockets, no servers)
	$(CARGO) test --locked --workspace --lib

test-deps: ## Install what the tests need beyond Rust (redis-server, nginx, openssl) when missing
	@command -v redis-server >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing redis-server (the cache's Redis tests start their own instances)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null; \
		else \
			echo "make test needs redis-server: apt-get install redis-server (or set REDIS_SERVER)" >&2; exit 1; \
		fi; }
	@command -v openssl >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing openssl (the rediss:// test makes a throwaway CA with it)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl >/dev/null; \
		else \
			echo "make test needs openssl: apt-get install openssl" >&2; exit 1; \
		fi; }
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing nginx (the CDN test puts nginx proxy_cache in front of the gateway)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null; \
		else \
			echo "make test needs nginx: apt-get install nginx (or set NGINX)" >&2; exit 1; \
		fi; }

lint: ## rustfmt check and clippy with warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

schema: ## Rewrite schema.graphql from the code (review the diff: it is the public contract)
	$(CARGO) run --quiet --locked -- schema > schema.graphql

bench-gtin: ## Criterion benchmark of GTIN parsing (the shipped `dist` profile)
	$(CARGO) bench --locked --profile dist -p gtin --bench gtin_parse

bench: bench-gtin ## Every benchmark

clean: ## Remove build output
	$(CARGO) clean

# ---- conformance and browser ----
.PHONY: audit-http test-browser test-browser-enforce test-introspection test-apollo-client test-fuzz test-observability test-deploy-models scan-screenshots vendor-scan gzip-assets

audit-http: ## GraphQL-over-HTTP audit (npm graphql-http serverAudits) against a running gateway
	cd tests/graphql-http-audit && npm ci --no-audit --no-fund --silent
	scripts/with-gateway.sh -- node tests/graphql-http-audit/audit.mjs '{url}/graphql'

test-browser: ## GraphiQL and the /scan app in headless Chromium (typed, pasted, invalid, fake-camera scans), also over every other preset (openfoodfacts, commercetools, akeneo)
	cd tests/browser && npm ci --no-audit --no-fund --silent
	scripts/with-gateway.sh -- node tests/browser/graphiql.mjs '{url}/' $(SCREENSHOT)
	scripts/with-gateway.sh --rcn-region GB -- node tests/browser/scan.mjs '{url}'
	@# The same pages over other product APIs, through their presets (demo-catalog --dialect);
	@# Open Food Facts has no prices or stock, and the scan app must say so.
	WITH_DIALECT=commercetools scripts/with-gateway.sh --rcn-region GB -- node tests/browser/scan.mjs '{url}'
	WITH_DIALECT=akeneo scripts/with-gateway.sh --rcn-region GB -- node tests/browser/scan.mjs '{url}'
	WITH_DIALECT=openfoodfacts SCAN_SOURCE_PRICES=none scripts/with-gateway.sh --rcn-region GB -- node tests/browser/scan.mjs '{url}'
	WITH_DIALECT=commercetools scripts/with-gateway.sh -- node tests/browser/graphiql.mjs '{url}/'
	WITH_DIALECT=akeneo scripts/with-gateway.sh -- node tests/browser/graphiql.mjs '{url}/'
	WITH_DIALECT=openfoodfacts scripts/with-gateway.sh -- node tests/browser/graphiql.mjs '{url}/'
	@# The catalog down (a closed port): the app's outage message and request id; a refusal.
	scripts/with-gateway.sh --upstream-url http://127.0.0.1:9/ --max-gtins-per-query 4 -- node tests/browser/scan-outage.mjs '{url}'

scan-screenshots: ## Rewrite docs/screenshots/scan-{desktop,phone}.png (the README's) from the browser test
	cd tests/browser && npm ci --no-audit --no-fund --silent
	mkdir -p docs/screenshots
	SCREENSHOTS=$(CURDIR)/docs/screenshots scripts/with-gateway.sh --rcn-region GB -- node tests/browser/scan.mjs '{url}'

gzip-assets: ## Rewrite the .gz of GraphiQL's bundles (the binary embeds those; run after replacing one)
	scripts/gzip-assets.sh

vendor-scan: ## Refresh /scan's barcode reader (npm barcode-detector + zxing-wasm) into assets/scan/vendor (UPDATE=1: newer versions)
	scripts/vendor-scan.sh

test-browser-enforce: ## GraphiQL and /scan in headless Chromium under --trusted-documents-mode enforce, through the #bypass= secret
	cd tests/browser && npm ci --no-audit --no-fund --silent
	scripts/with-gateway.sh --trusted-documents tests/browser/trusted-documents.json \
		--trusted-documents-mode enforce --trusted-documents-bypass-secret browser-test \
		-- node tests/browser/graphiql.mjs '{url}/#bypass=browser-test'
	scripts/with-gateway.sh --trusted-documents tests/browser/trusted-documents.json \
		--trusted-documents-mode enforce --trusted-documents-bypass-secret browser-test \
		-- node tests/browser/scan-enforce.mjs '{url}'

test-observability: ## deploy/observability: promtool checks and unit tests, then every dashboard query and rule on a real Prometheus scraping a loaded gateway
	scripts/test-observability.sh

test-deploy-models: ## deploy/argo (Rollout, AnalysisTemplate) against Argo Rollouts' CRD schemas (npm @kubernetes-models/argo-rollouts)
	cd tests/deploy-models && npm ci --no-audit --no-fund --silent
	node tests/deploy-models/validate.mjs

test-fuzz: ## Schemathesis (PyPI, GraphQL mode) fuzzes a running gateway: no 5xx, no malformed or untyped answer, no hang
	tests/fuzz/run.sh

test-introspection: ## Client tools' introspection (graphql-js 16/17, Codegen's loader) vs schema.graphql
	cd tests/introspection && npm ci --no-audit --no-fund --silent
	scripts/with-gateway.sh -- node tests/introspection/introspect.mjs '{url}/graphql'

test-apollo-client: ## Apollo Client 4 against the gateway: cache by GTIN across spellings, baskets, lookups, errors, APQ by POST and GET
	cd tests/apollo-client && npm ci --no-audit --no-fund --silent
	scripts/with-gateway.sh -- node tests/apollo-client/apollo.mjs '{url}/graphql'

# GS1's test vectors (other people's work, kept out of this repository): the folder
# next to the clone by default. Apart from `make test`, which needs a fresh clone only.
GS1_CONFORMANCE_DIR ?= ../shared/gs1-conformance
.PHONY: test-gs1-conformance
test-gs1-conformance: ## Every case of GS1's Digital Link, scan and compressed-link vectors through the parser, and GS1's resolver suite against the routes (GS1_CONFORMANCE_DIR)
	@test -f "$(GS1_CONFORMANCE_DIR)/dl_parse.jsonl" || { \
		echo "GS1 conformance vectors not found in GS1_CONFORMANCE_DIR=$(GS1_CONFORMANCE_DIR) (dl_parse.jsonl, scandata.jsonl, compressed_dl.jsonl; see its README.md)" >&2; exit 1; }
	GS1_CONFORMANCE_DIR="$(abspath $(GS1_CONFORMANCE_DIR))" $(CARGO) test --locked --test gs1_conformance -- --ignored --nocapture
	@# GS1's resolver suite, one test per applicable suite id (tests/api/resolver_suite.rs).
	GS1_CONFORMANCE_DIR="$(abspath $(GS1_CONFORMANCE_DIR))" $(CARGO) test --locked --test api resolver_suite -- --ignored

# ---- container ----
# A static binary, a FROM-scratch image (docker, or buildah where no Docker engine
# answers), and its release. `deploy/README.md` covers Kubernetes and the canary.
TAG ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REGISTRY ?= registry.example.com/catalog
IMAGE ?= catalog-gateway
STATIC_TARGET := x86_64-unknown-linux-gnu
DIST_BIN := dist/catalog-gateway
CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
BUILDAH ?= buildah --storage-driver vfs
# auto: docker when its engine answers (`docker info`), else buildah; or force one.
CONTAINER_TOOL ?= auto
REVISION := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
IMAGE_ARGS := --build-arg VERSION=$(TAG) --build-arg REVISION=$(REVISION)

.PHONY: dist image release release-tag-check image-smoke

dist: ## Static x86_64 Linux binary, stripped, at dist/catalog-gateway (glibc crt-static, profile dist: LTO)
	RUSTFLAGS="-C target-feature=+crt-static" $(CARGO) build --profile dist --locked --target $(STATIC_TARGET)
	mkdir -p dist
	cp target/$(STATIC_TARGET)/dist/catalog-gateway $(DIST_BIN)
	strip $(DIST_BIN)
	@# Static: no program interpreter (dynamic loader) in the ELF program headers.
	@! readelf -lW $(DIST_BIN) | grep -q INTERP \
		|| { echo "dist: $(DIST_BIN) is not statically linked" >&2; exit 1; }
	@ls -l $(DIST_BIN)

image: dist ## Build the image catalog-gateway:$(TAG) (docker if its engine answers, else buildah)
	cp $(CA_BUNDLE) dist/ca-certificates.crt
	@if [ "$(CONTAINER_TOOL)" = docker ] || { [ "$(CONTAINER_TOOL)" = auto ] && docker info >/dev/null 2>&1; }; then \
		echo "image: docker"; \
		docker build $(IMAGE_ARGS) -t $(IMAGE):$(TAG) . ; \
	else \
		echo "image: buildah"; \
		command -v buildah >/dev/null || { echo "image: install buildah (apt-get install -y buildah)" >&2; exit 1; }; \
		$(BUILDAH) bud --isolation chroot --format docker $(IMAGE_ARGS) -t $(IMAGE):$(TAG) . ; \
	fi

release: release-tag-check image ## Tag and push $(REGISTRY)/catalog-gateway:$(TAG) (set REGISTRY and TAG; log in first)
	@if [ "$(CONTAINER_TOOL)" = docker ] || { [ "$(CONTAINER_TOOL)" = auto ] && docker info >/dev/null 2>&1; }; then \
		docker tag $(IMAGE):$(TAG) $(REGISTRY)/$(IMAGE):$(TAG) && \
		docker push $(REGISTRY)/$(IMAGE):$(TAG); \
	else \
		$(BUILDAH) tag $(IMAGE):$(TAG) $(REGISTRY)/$(IMAGE):$(TAG) && \
		$(BUILDAH) push $(REGISTRY)/$(IMAGE):$(TAG) docker://$(REGISTRY)/$(IMAGE):$(TAG); \
	fi

release-tag-check:
	@case "$(TAG)" in *dirty*|dev) echo "release: TAG=$(TAG): commit first, or set TAG" >&2; exit 1;; esac

image-smoke: ## Build the image with buildah and answer a query from the binary inside it
	scripts/image-smoke.sh

# ---- benchmarks ----
# Load benchmark and rollout test (bench/, BENCHMARKS.md). Both start their own
# processes on 127.0.0.1 only, run for a bounded time and clean up on exit; as root
# they install wrk, haproxy and jq with apt-get when missing.
.PHONY: bench-load bench-mapped bench-memory rollout-test fleet-test canary canary-test bench-hang capacity

bench: bench-load

bench-load: ## Load benchmark: scenarios vs bare axum and the upstream; side by side with Tailcall 1.0.0 and 1.6.14, production settings and POS (bench/results/latest.md)
	bash bench/run.sh

bench-mapped: ## Gateway CPU per request through the mapped presets against the native contract (bench/results/mapped.md)
	bash bench/mapped.sh

bench-memory: ## RSS over 60 s of cold load with 16 KB products, default settings (bench/results/memory.md)
	bash bench/memory.sh

bench-hang: ## A hung upstream (SIGSTOP) under load, this build vs BASELINE=path/to/older/binary if set
	$(CARGO) build --release --locked --quiet --bin catalog-gateway
	python3 bench/hang.py $(if $(BASELINE),--baseline $(BASELINE))

capacity: ## Capacity model inputs (docs/capacity.md): Zipf hit ratios with the real cache, Redis bytes per product, the plot
	bash scripts/capacity.sh

rollout-test: ## Zero-downtime rolling deploy of 5 replicas behind haproxy under load
	bash bench/rollout.sh

fleet-test: ## 5 replicas behind haproxy on Redis single node, Sentinel, Cluster: invalidation, fleet-wide rate limit, master failover, rollout under load
	FLEET_PROFILE="$(FLEET_PROFILE)" FLEET_BIN="$(FLEET_BIN)" bash bench/fleet.sh

canary: ## Canary release judged by Prometheus: CANARY_BIN=path [STABLE_BIN=path]; exit 0 promoted, 3 rolled back
	CANARY_BIN="$(CANARY_BIN)" STABLE_BIN="$(STABLE_BIN)" bash bench/canary.sh

canary-test: ## make canary promotes a good build and rolls back one failing 5 % of its upstream calls
	bash bench/canary_test.sh
