# todofn: every target a user needs. `make help` lists them.
SHELL := /bin/bash
GO ?= go
GOARCH ?= arm64
PORT ?= 8080
FUNCTIONS := register verify login todos-list todos-add todos-update todos-delete mailer
BUILD_FLAGS := -tags lambda.norpc -trimpath -ldflags "-s -w -buildid="
GOBIN := $(shell $(GO) env GOPATH)/bin
export PATH := $(GOBIN):$(PATH)
# Minimum total statement coverage of pkg/ (percent) for `make test`.
COVERAGE_MIN ?= 75

.PHONY: help run run-services tables build test test-go test-web lint tools bench clean

help: ## list the targets
	@grep -hE '^[a-z%-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 22

run: ## run the whole system locally on http://127.0.0.1:$(PORT)
	$(GO) build -o build/local/todofn-local ./cmd/local
	PORT=$(PORT) ./build/local/todofn-local

run-services: ## the local server on DynamoDB (dynalite :8000) with mail through Mailpit (:1025, UI :8025)
	PORT=$(PORT) ./scripts/run-services.sh

tables: ## create the cloud tables named by the environment (STORE=dynamodb|tablestore ...)
	$(GO) run ./cmd/tables

build: ## build every function as build/<fn>/bootstrap (linux/$(GOARCH)) and build/<fn>.zip
	@mkdir -p build/tools
	$(GO) build -o build/tools/pack ./cmd/pack
	@set -e; for f in $(FUNCTIONS); do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH) $(GO) build $(BUILD_FLAGS) -o build/$$f/bootstrap ./functions/$$f; \
	  build/tools/pack -o build/$$f.zip build/$$f/bootstrap; \
	  printf '%-14s %6s KiB bootstrap  %6s KiB zip\n' $$f $$(( $$(stat -c %s build/$$f/bootstrap) / 1024 )) $$(( $$(stat -c %s build/$$f.zip) / 1024 )); \
	done

tools: ## install the test tools: npm packages, Mailpit, the Lambda RIE, Chromium
	./scripts/install-tools.sh

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: tools lint test-go test-web ## everything CI runs: lint, unit, conformance, end-to-end and browser tests

test-go: ## Go tests with real services and the coverage gate
	TODOFN_REQUIRE_SERVICES=1 $(GO) test -count=1 -coverpkg=./pkg/... -coverprofile=coverage.out ./...
	@total=$$($(GO) tool cover -func=coverage.out | awk '/^total:/ {sub("%","",$$3); print $$3}'); \
	echo "coverage of pkg/: $$total% (minimum $(COVERAGE_MIN)%)"; \
	awk -v t=$$total -v m=$(COVERAGE_MIN) 'BEGIN { exit (t+0 < m+0) }' || { echo "coverage below $(COVERAGE_MIN)%"; exit 1; }

test-web: ## the browser journey in headless Chromium
	TODOFN_REQUIRE_SERVICES=1 node --test web/test/

bench: ## benchmarks (password hashing, handlers, stores)
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/...

clean: ## remove build output (not ./data)
	rm -rf build coverage.out test-artifacts

# The real binaries under each cloud's runtime protocol: run-lambda, run-fc.
include localcloud.mk
# Deployment: package (per-cloud zips), build-<LogicalId> for sam build,
# web-config, FC canary / promote / rollback.
include deploy.mk
