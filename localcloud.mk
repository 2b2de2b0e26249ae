# localcloud.mk: the real function binaries under each cloud's runtime
# protocol on this machine, behind one origin (cmd/localcloud, docs/localcloud.md).
# Binaries are built for this host in build/localcloud/<mode>/<fn>/bootstrap
# with the cloud's build tags; the tool itself in build/localcloud/localcloud.

LOCALCLOUD_GOOS ?= $(shell $(GO) env GOOS)
LOCALCLOUD_GOARCH ?= $(shell $(GO) env GOARCH)
LOCALCLOUD_FLAGS := -trimpath -ldflags "-s -w -buildid="

.PHONY: run-lambda run-fc

run-lambda: ## every function under aws-lambda-rie (DynamoDB on dynalite, Mailpit) on http://127.0.0.1:$(PORT)
run-fc: ## every function under the FC3 runtime API double (Tablestore double, Mailpit) on http://127.0.0.1:$(PORT)

run-lambda: LOCALCLOUD_MODE := lambda
run-lambda: LOCALCLOUD_TAGS := lambda.norpc,no_tablestore
run-fc: LOCALCLOUD_MODE := fc
run-fc: LOCALCLOUD_TAGS := no_dynamodb

run-lambda run-fc:
	./scripts/install-tools.sh >/dev/null
	@set -e; for f in $(FUNCTIONS); do \
	  echo "build $(LOCALCLOUD_MODE)/$$f ($(LOCALCLOUD_GOOS)/$(LOCALCLOUD_GOARCH), -tags $(LOCALCLOUD_TAGS))"; \
	  CGO_ENABLED=0 GOOS=$(LOCALCLOUD_GOOS) GOARCH=$(LOCALCLOUD_GOARCH) $(GO) build -tags $(LOCALCLOUD_TAGS) $(LOCALCLOUD_FLAGS) \
	    -o build/localcloud/$(LOCALCLOUD_MODE)/$$f/bootstrap ./functions/$$f; \
	done
	$(GO) build -o build/localcloud/localcloud ./cmd/localcloud
	./build/localcloud/localcloud -mode $(LOCALCLOUD_MODE) -bin build/localcloud/$(LOCALCLOUD_MODE) -port $(PORT)
