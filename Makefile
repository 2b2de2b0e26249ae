# todofn: every target a user needs. `make help` lists them.
SHELL := /bin/bash
GO ?= go
GOARCH ?= arm64
PORT ?= 8080
# FUNCTIONS, HTTP_FUNCTIONS, LOGICAL_IDS and function_of_<LogicalId>, from
# the route table in pkg/route (`make generate` rewrites it).
include functions.mk
# Build output: build/<fn>/bootstrap and build/<fn>.zip (make build),
# build/aws/... and build/fc/... (make package). s.yaml reads build/fc.
BUILD_DIR ?= build
# The tag sets the project builds with: the default (both engines), the
# AWS flavour and the FC flavour; `make lint` checks each (make run's
# LOCAL_TAGS build is compiled by cmd/local's tests: linted alone it only
# reports code its build leaves unused). Each cloud flavour also leaves the other cloud's runtime SDK
# out of pkg/platform (lambda.norpc: no fc-runtime-go-sdk; no_dynamodb: no
# aws-lambda-go), and no_bolt leaves the embedded store (bbolt, the local
# default) out of both; internal/archtest checks it.
AWS_TAGS := lambda.norpc,no_tablestore,no_bolt
FC_TAGS := no_dynamodb,no_bolt
# make run's local server leaves both cloud engines, and so their SDKs, out
# (pkg/app/engine_*.go), and both clouds' runtimes (no_dynamodb drops
# aws-lambda-go, no_fc fc-runtime-go-sdk: it serves plain HTTP only); make
# run-services builds it with the engines. cmd/local's tests build it with
# these tags too.
LOCAL_TAGS := no_dynamodb,no_tablestore,no_fc
LINT_TAGS := default $(AWS_TAGS) $(FC_TAGS)
GOBIN := $(shell $(GO) env GOPATH)/bin
export PATH := $(GOBIN):$(PATH)
# Minimum total statement coverage of pkg/ (percent) for `make test`.
COVERAGE_MIN ?= 75

.PHONY: help run run-services tables jwks build generate test test-go test-web lint tools bench clean
.PHONY: replay traffic-export api-compat

# build_fn is the one recipe that builds a function, for every flavour
# (make build, package-aws, package-fc, sam build, run-lambda, run-fc):
# $(call build_fn,FUNCTION,GOOS,GOARCH,TAGS,OUTPUT) builds ./functions/FUNCTION
# with the comma-separated TAGS (may be empty) into the file OUTPUT: static,
# stripped and reproducible.
define build_fn
	CGO_ENABLED=0 GOOS=$(2) GOARCH=$(3) $(GO) build -tags "$(4)" -trimpath -ldflags "-s -w -buildid=" \
	  -o "$(5)" ./functions/$(1)

endef

# zip_fn builds like build_fn, packs OUTPUT into ZIP (bootstrap at its root,
# exec bit kept) and prints both sizes after LABEL:
# $(call zip_fn,FUNCTION,GOOS,GOARCH,TAGS,OUTPUT,ZIP,LABEL).
define zip_fn
$(call build_fn,$(1),$(2),$(3),$(4),$(5))
	build/tools/pack -o "$(6)" "$(5)"
	@printf '%-19s %6s KiB bootstrap  %6s KiB zip\n' "$(7)" \
	  $$(( $$(stat -c %s "$(5)") / 1024 )) $$(( $$(stat -c %s "$(6)") / 1024 ))

endef

help: ## list the targets
	@grep -hE '^[a-z%-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 22

run: ## run the whole system locally on http://127.0.0.1:$(PORT)
	@echo "building the local server (first build takes a minute)…"
	$(GO) build -tags $(LOCAL_TAGS) -o build/local/todofn-local ./cmd/local
	PORT=$(PORT) ./build/local/todofn-local

run-services: ## the local server on DynamoDB (dynalite :8000) with mail through Mailpit (:1025, UI :8025)
	PORT=$(PORT) ./scripts/run-services.sh

tables: ## create the cloud tables named by the environment (STORE=dynamodb|tablestore ...)
	$(GO) run ./cmd/tables

jwks: ## write build/jwks.json: the JWK Set of JWT_PUBLIC_KEYS/JWT_SIGNING_KEYS (else ./data's dev key), for the web bucket's /.well-known/jwks.json
	@mkdir -p build
	$(GO) run ./cmd/jwks -o build/jwks.json

build: build/tools/pack ## build every function as build/<fn>/bootstrap (linux/$(GOARCH)) and build/<fn>.zip
	$(foreach f,$(FUNCTIONS),$(call zip_fn,$(f),linux,$(GOARCH),lambda.norpc,$(BUILD_DIR)/$(f)/bootstrap,$(BUILD_DIR)/$(f).zip,$(f)))

build/tools/pack: $(wildcard cmd/pack/*.go)
	@mkdir -p build/tools
	$(GO) build -o $@ ./cmd/pack

generate: ## write functions.mk, web/routes.js, web/limits.js and the generated regions of template.yml and s.yaml from pkg/route and pkg/todo
	$(GO) run ./cmd/routes -format make > functions.mk.tmp && mv functions.mk.tmp functions.mk
	$(GO) run ./cmd/routes -format web > web/routes.js.tmp && mv web/routes.js.tmp web/routes.js
	$(GO) run ./cmd/descriptors
	$(GO) run ./cmd/weblimits > web/limits.js.tmp && mv web/limits.js.tmp web/limits.js
	$(GO) test ./pkg/app -run '^TestReadmeSettings$$' -count=1 -update

tools: ## install the test tools: npm packages, Mailpit, the Lambda RIE, staticcheck, Chromium
	./scripts/install-tools.sh

lint: ## gofmt, then go vet and staticcheck for each tag set (LINT_TAGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@command -v staticcheck >/dev/null || { echo "staticcheck is not installed: run make tools" >&2; exit 1; }
	@status=0; for tags in $(LINT_TAGS); do \
	  [ "$$tags" = default ] && tags=; \
	  echo "go vet -tags '$$tags' ./..."; $(GO) vet -tags "$$tags" ./... || status=1; \
	  echo "staticcheck -tags '$$tags' ./..."; staticcheck -tags "$$tags" ./... || status=1; \
	done; exit $$status

test: tools lint test-go test-web test-fuzz ## everything CI runs: lint, unit, conformance, end-to-end and browser tests

test-go: ## Go tests with real services and the coverage gate
	TODOFN_REQUIRE_SERVICES=1 $(GO) test -count=1 -coverpkg=./pkg/... -coverprofile=coverage.out ./...
	@total=$$($(GO) tool cover -func=coverage.out | awk '/^total:/ {sub("%","",$$3); print $$3}'); \
	echo "coverage of pkg/: $$total% (minimum $(COVERAGE_MIN)%)"; \
	awk -v t=$$total -v m=$(COVERAGE_MIN) 'BEGIN { exit (t+0 < m+0) }' || { echo "coverage below $(COVERAGE_MIN)%"; exit 1; }

test-web: ## the web app's Node tests and the browser tests (journey, TodoMVC list, two browsers, axe-core) in headless Chromium
	TODOFN_REQUIRE_SERVICES=1 node --test web/test/

# The release pipeline's offline checks (.github/workflows, .security/).
# Both are Go tests of ./deploy, so `make test` runs them too (test-go runs
# ./...); these targets run them alone, as the CI security job does.
.PHONY: security lint-ci
security: ## the security gate, offline: gosec against .security/gosec-baseline.json, gitleaks over the git history with .security/gitleaks.toml
	./scripts/install-tools.sh security
	TODOFN_REQUIRE_SERVICES=1 $(GO) test -count=1 -run '^(TestGosec|TestGitleaks.*)$$' ./deploy/

lint-ci: ## the CI workflows, offline: actionlint (with shellcheck) on .github/workflows/*.yml, and that they call real make targets and pass each cloud its settings
	./scripts/install-tools.sh security
	TODOFN_REQUIRE_SERVICES=1 $(GO) test -count=1 -run '^(TestActionlint|TestWorkflow.*)$$' ./deploy/

# The soak (cmd/soak): SOAK_CLIENTS clients for SOAK_DURATION on the local
# server, then on dynalite with Mailpit; test-go's go test runs a short one
# (8 clients for 5 s on both, cmd/soak's TestShortSoak).
SOAK_CLIENTS ?= 64
SOAK_DURATION ?= 30s
# The fuzz targets, package:Target; go test -fuzz takes one of each at a time.
FUZZ_TARGETS := ./pkg/dynamodb:FuzzUserChange ./pkg/dynamodb:FuzzHandleStream \
  ./pkg/tablestore/trigger:FuzzDecode ./pkg/tablestore/trigger:FuzzHandleStream \
  ./pkg/platform:FuzzServeFunctionURL ./pkg/platform:FuzzServeHTTPTrigger ./pkg/api:FuzzRequests
FUZZTIME ?= 30s
FUZZTIME_TEST ?= 3s
# Each new input is minimized for at most this (go test's default, 60s,
# would take most of a short run).
FUZZMINIMIZE ?= 100x

# run_fuzz runs every FUZZ_TARGETS for $(1) each; all run, any failure fails.
define run_fuzz
	@status=0; for t in $(FUZZ_TARGETS); do \
	  echo "go test -fuzz $${t#*:} -fuzztime $(1) $${t%%:*}"; \
	  $(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(1) -fuzzminimizetime $(FUZZMINIMIZE) "$${t%%:*}" || status=1; \
	done; exit $$status
endef

.PHONY: soak fuzz test-fuzz
soak: tools ## the soak: SOAK_CLIENTS (64) clients for SOAK_DURATION (30s) on the local server, then on dynalite + Mailpit; fails on any 5xx, error, lost, duplicated or phantom todo
	$(GO) run ./cmd/soak -start local,services -clients $(SOAK_CLIENTS) -duration $(SOAK_DURATION)

fuzz: ## fuzz the stream decoders, the HTTP event translators and the API for FUZZTIME (30s) each
	$(call run_fuzz,$(FUZZTIME))

test-fuzz: ## the fuzz targets for FUZZTIME_TEST (3s) each, as make test runs them
	$(call run_fuzz,$(FUZZTIME_TEST))

# make bench (docs/performance.md): the Go benchmarks (BENCH_COUNT runs
# each) compared by benchstat with the last recorded run, bench/last.txt
# (make bench-record rewrites it), then cmd/bench's side-by-side part
# (BENCH_FLAGS, such as -only throughput or -duration 30s). benchstat runs
# from the module proxy at this version, like oasdiff: no dependency of
# the module.
BENCHSTAT ?= golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_COUNT ?= 6
BENCH_FLAGS ?=
.PHONY: bench-go bench-record bench-fn
bench: tools bench-go ## benchmarks against bench/last.txt, store round trips, and the side by side (req/s, p50/p99, cold start, sizes, memory) with each target of issue 20
	$(GO) run ./cmd/bench -gobench build/bench/gobench.txt $(BENCH_FLAGS)

bench-go: ## the Go benchmarks (-benchmem, BENCH_COUNT runs) and benchstat against bench/last.txt
	@mkdir -p build/bench
	set -o pipefail; $(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) ./pkg/... | tee build/bench/gobench.txt
	@if [ -f bench/last.txt ]; then $(GO) run $(BENCHSTAT) bench/last.txt build/bench/gobench.txt; \
	else echo "no bench/last.txt yet (make bench-record keeps a run)"; $(GO) run $(BENCHSTAT) build/bench/gobench.txt; fi

bench-record: bench-go ## make bench-go, then keep its output as bench/last.txt, the run the next compares with
	cp build/bench/gobench.txt bench/last.txt

# bench-fn builds FN (a function, or ../bench/NAME for a reference
# program) with build_fn for cmd/bench: BENCH_GOOS, BENCH_GOARCH,
# BENCH_TAGS, BENCH_OUT.
bench-fn:
	$(call build_fn,$(FN),$(BENCH_GOOS),$(BENCH_GOARCH),$(BENCH_TAGS),$(BENCH_OUT))

clean: ## remove build output (not ./data)
	rm -rf build coverage.out test-artifacts

# Release gates (docs/release.md). BASE is the baseline: a release tag once
# there is one; until then the commit before HEAD.
BASE ?= HEAD~1
TRAFFIC ?= cmd/replay/testdata/session.traffic.jsonl
# oasdiff runs from the module proxy at this version (it is no dependency
# of the module, so nothing it needs reaches go.mod or a function).
OASDIFF ?= github.com/oasdiff/oasdiff@v1.38.0

replay: ## replay TRAFFIC to BASE (primary, secondary) and HEAD (candidate); a difference fails
	$(GO) run ./cmd/replay -traffic $(TRAFFIC) -base $(BASE)

traffic-export: ## turn recorded traffic log lines (LOGS=files, else stdin) into TRAFFIC_OUT (build/traffic.jsonl)
	@mkdir -p build
	$(GO) run ./cmd/traffic -o $(or $(TRAFFIC_OUT),build/traffic.jsonl) $(LOGS)

api-compat: ## compare api/openapi.yaml with BASE's by oasdiff; a breaking change fails
	@mkdir -p build
	@if git cat-file -e $(BASE):api/openapi.yaml 2>/dev/null; then \
	  git show $(BASE):api/openapi.yaml > build/openapi.base.yaml && \
	  $(GO) run $(OASDIFF) breaking --fail-on ERR build/openapi.base.yaml api/openapi.yaml && \
	  echo "api-compat: no breaking change against $(BASE)"; \
	else echo "api-compat: $(BASE) has no api/openapi.yaml; nothing to compare"; fi

# The real binaries under each cloud's runtime protocol: run-lambda, run-fc.
include localcloud.mk
# Deployment: package (per-cloud zips), build-<LogicalId> for sam build,
# web-config, FC canary / promote / rollback.
include deploy.mk
