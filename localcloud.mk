# localcloud.mk: the real function binaries under each cloud's runtime
# protocol on this machine, behind one origin (cmd/localcloud, docs/localcloud.md).
# Binaries are built for this host in build/localcloud/<mode>/<fn>/bootstrap
# with the cloud's build tags, by the Makefile's build_fn; the tool itself in
# build/localcloud/localcloud.

LOCALCLOUD_GOOS ?= $(shell $(GO) env GOOS)
LOCALCLOUD_GOARCH ?= $(shell $(GO) env GOARCH)

.PHONY: run-lambda run-fc

run-lambda: ## every function under aws-lambda-rie (DynamoDB on dynalite, Mailpit) on http://127.0.0.1:$(PORT)
run-fc: ## every function under the FC3 runtime API double (Tablestore double, Mailpit) on http://127.0.0.1:$(PORT)

run-lambda: LOCALCLOUD_MODE := lambda
run-lambda: LOCALCLOUD_TAGS := $(AWS_TAGS)
run-fc: LOCALCLOUD_MODE := fc
run-fc: LOCALCLOUD_TAGS := $(FC_TAGS)

run-lambda run-fc:
	./scripts/install-tools.sh >/dev/null
	@echo "build $(FUNCTIONS) for $(LOCALCLOUD_MODE) ($(LOCALCLOUD_GOOS)/$(LOCALCLOUD_GOARCH), -tags $(LOCALCLOUD_TAGS))"
	$(foreach f,$(FUNCTIONS),$(call build_fn,$(f),$(LOCALCLOUD_GOOS),$(LOCALCLOUD_GOARCH),$(LOCALCLOUD_TAGS),build/localcloud/$(LOCALCLOUD_MODE)/$(f)/bootstrap))
	$(GO) build -o build/localcloud/localcloud ./cmd/localcloud
	./build/localcloud/localcloud -mode $(LOCALCLOUD_MODE) -bin build/localcloud/$(LOCALCLOUD_MODE) -port $(PORT)
