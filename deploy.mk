# Deployment targets: cloud zips, `sam build` hooks, web/config.json from a
# deployed stack, and gray releases on Function Compute. Included from the
# Makefile, which defines FUNCTIONS (functions.mk), the tag sets and
# build_fn / zip_fn, the one recipe that builds a function (the pre-traffic hook
# below, no function, has its own); docs/deploy.md walks through them.
#
# Binaries for the clouds are linux, static, stripped and reproducible. AWS
# Lambda runs them on arm64 (template.yml: Architectures: [arm64]); Function
# Compute's Go and custom runtimes run only on x86_64, so its flavour is
# amd64 (s.yaml has no architecture setting). The AWS flavour leaves the
# Tablestore engine out, the FC flavour the DynamoDB engine.

GO ?= go
# ONLY=register limits package/package-aws/package-fc to some functions
# (s.yaml's pre-deploy actions build one function each).
ONLY ?= $(FUNCTIONS)
AWS_ARCH := arm64
FC_ARCH := amd64
# Serverless Devs: `npm i -g @serverless-devs/s`, or S="npx @serverless-devs/s".
S ?= s
STAGE ?= test
STACK_NAME ?= todofn-$(STAGE)
CLOUD ?= aws
# Share of traffic the new version gets during `make fc-canary`.
CANARY_WEIGHT ?= 0.1
# The s.yaml resources deploy/fcrelease.sh releases: every function of the table.
FC_FUNCTIONS ?= $(addprefix fn-,$(FUNCTIONS))
# Published versions each FC function keeps after a promoted release (fc-prune).
FC_KEEP_VERSIONS ?= 10
# What every fcrelease.sh call gets; STATE (the versions live had before the
# canary, which fc-rollback returns to) is build/fc-release-$(STAGE).versions.
FCRELEASE = S="$(S)" STAGE="$(STAGE)" FC_FUNCTIONS="$(FC_FUNCTIONS)" ./deploy/fcrelease.sh

.PHONY: package package-aws package-fc web-config fc-deploy fc-canary fc-promote fc-rollback fc-status fc-prune aws-rollback \
	aws-release build-CodeDeployHookPreTraffic fc-release gray-demo \
	$(addprefix build-,$(LOGICAL_IDS))

build/tools/webconfig: $(wildcard cmd/webconfig/*.go)
	@mkdir -p build/tools
	$(GO) build -o $@ ./cmd/webconfig

package-aws: build/tools/pack ## AWS Lambda zips: build/aws/<fn>.zip (linux/arm64, -tags lambda.norpc,no_tablestore,no_bolt)
	$(foreach f,$(ONLY),$(call zip_fn,$(f),linux,$(AWS_ARCH),$(AWS_TAGS),$(BUILD_DIR)/aws/$(f)/bootstrap,$(BUILD_DIR)/aws/$(f).zip,aws  $(f)))

package-fc: build/tools/pack ## Function Compute zips: build/fc/<fn>.zip (linux/amd64, -tags no_dynamodb)
	$(foreach f,$(ONLY),$(call zip_fn,$(f),linux,$(FC_ARCH),$(FC_TAGS),$(BUILD_DIR)/fc/$(f)/bootstrap,$(BUILD_DIR)/fc/$(f).zip,fc   $(f)))

package: package-aws package-fc ## both clouds' zips

# `sam build` runs `make build-<LogicalId>` with ARTIFACTS_DIR set, for each
# function of template.yml (Metadata: BuildMethod: makefile); the logical IDs
# and function_of_<LogicalId> come from functions.mk. A static pattern rule,
# so only the table's IDs match and they can be phony.
$(addprefix build-,$(LOGICAL_IDS)): build-%:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: run this through 'sam build'" >&2; exit 1; }
	$(call build_fn,$(function_of_$*),linux,$(AWS_ARCH),$(AWS_TAGS),$(ARTIFACTS_DIR)/bootstrap)

# CodeDeploy's pre-traffic hook (template.yml: CodeDeployHookPreTraffic,
# deploy/hook) is a deploy-time function, not one of the table's: its own
# recipe, with build_fn's flags, for `sam build`.
build-CodeDeployHookPreTraffic:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: run this through 'sam build'" >&2; exit 1; }
	CGO_ENABLED=0 GOOS=linux GOARCH=$(AWS_ARCH) $(GO) build -tags "$(AWS_TAGS)" -trimpath -ldflags "-s -w -buildid=" \
	  -o "$(ARTIFACTS_DIR)/bootstrap" ./deploy/hook

web-config: build/tools/webconfig ## write web/config.json from the deployed URLs (CLOUD=aws STACK_NAME=... | CLOUD=fc)
ifeq ($(CLOUD),aws)
	sam list stack-outputs --stack-name $(STACK_NAME) --output json | build/tools/webconfig -cloud aws -o web/config.json
else ifeq ($(CLOUD),fc)
	$(S) info -t s.yaml -o json | build/tools/webconfig -cloud fc -o web/config.json
else
	@echo "CLOUD must be aws or fc" >&2; exit 1
endif

# Function Compute gray release (docs/deploy.md). fc-deploy deploys code and
# configuration, makes sure every function has the `live` alias its
# triggers are bound to, then deploys the triggers. The mailer's VERIFY_URL
# (its links' target) is the verify function's trigger URL: given, or read
# from `s info`; on a first deploy fn-verify is deployed first to get one.
# Without it the deploy stops before changing anything else (mails would
# link to APP_URL/verify, a 404 on the static site). A release is then
# fc-canary (record each live version, publish a version, give it
# CANARY_WEIGHT of `live`), and fc-promote or fc-rollback.
fc-deploy: build/tools/webconfig ## deploy to Function Compute: functions, the live alias, triggers (VERIFY_URL derived when unset)
	@set -e; export S="$(S)" STAGE="$(STAGE)"; \
	if [ -z "$${VERIFY_URL:-}" ] && ! VERIFY_URL=$$($(FCRELEASE) verify-url 2>/dev/null); then \
	  echo "fc-deploy: no verify trigger yet: deploying fn-verify first for the mailer's VERIFY_URL"; \
	  $(S) fn-verify deploy -t s.yaml --function -y; \
	  S="$(S)" STAGE="$(STAGE)" FC_FUNCTIONS=fn-verify ./deploy/fcrelease.sh init; \
	  $(S) fn-verify deploy -t s.yaml --trigger -y; \
	  VERIFY_URL=$$($(FCRELEASE) verify-url); \
	fi; \
	case "$$VERIFY_URL" in https://*/verify | http://*/verify) ;; \
	  *) echo "fc-deploy: VERIFY_URL='$$VERIFY_URL' is not the verify trigger's URL + /verify" >&2; exit 1 ;; esac; \
	export VERIFY_URL; echo "fc-deploy: VERIFY_URL=$$VERIFY_URL"; \
	$(S) deploy -t s.yaml --function -y; \
	$(FCRELEASE) init; \
	$(S) deploy -t s.yaml --trigger -y

fc-canary: ## record each FC function's live version, publish a version of each and send CANARY_WEIGHT of `live` to it
	$(FCRELEASE) canary $(CANARY_WEIGHT)

fc-promote: ## point `live` wholly at the canary version (read back)
	$(FCRELEASE) promote

fc-rollback: ## send all of `live` back to the version recorded before the canary (read back)
	$(FCRELEASE) rollback

fc-prune: ## remove all but the newest FC_KEEP_VERSIONS versions of each FC function (never one live or a release names)
	$(FCRELEASE) prune $(FC_KEEP_VERSIONS)

# fc-release is fc-canary, then a window: cmd/graywindow reads every
# function's request logs from Log Service, page by page (fcrelease.sh
# logs-page: aliyun-log-cli's `aliyunlog log get_log`, 100 logs a page),
# each GRAY_INTERVAL and rolls back at the first breach of GRAY_FLAGS, or
# promotes when GRAY_WINDOW ends and prunes old versions (docs/release.md).
# logs-page needs aliyun-log-cli (pip install aliyun-log-cli) configured for
# the region, and reads each function's logConfig from `s info` unless
# SLS_PROJECT and SLS_LOGSTORE are set (docs/deploy.md).
GRAY_WINDOW ?= 30m
GRAY_INTERVAL ?= 1m
GRAY_FLAGS ?= -max-5xx-rate 0.01 -max-errors 0 -max-p99 2s -min-requests 50
fc-release: ## FC gray release: fc-canary, then cmd/graywindow watches the Log Service logs for GRAY_WINDOW and promotes or rolls back
	@export S="$(S)" STAGE="$(STAGE)" FC_FUNCTIONS="$(FC_FUNCTIONS)"; since=$$(date -u +%s); \
	./deploy/fcrelease.sh canary $(CANARY_WEIGHT) && \
	$(GO) run ./cmd/graywindow -source fc -window $(GRAY_WINDOW) -interval $(GRAY_INTERVAL) $(GRAY_FLAGS) \
	  -status-cmd "./deploy/fcrelease.sh status" -page-cmd "./deploy/fcrelease.sh logs-page {resource} $$since {to} {offset} {size}" \
	  -promote-cmd "./deploy/fcrelease.sh promote" -rollback-cmd "./deploy/fcrelease.sh rollback" && \
	./deploy/fcrelease.sh prune $(FC_KEEP_VERSIONS)

# gray-demo: the same window on this machine, both outcomes (deploy/graydemo.sh).
gray-demo: ## a local gray release twice: a healthy candidate promoted, one failing 20 % rolled back
	GO="$(GO)" ./deploy/graydemo.sh

fc-status: ## show where `live` points on each FC function
	$(FCRELEASE) status

# On AWS a release is `make aws-release` (docs/release.md): sam build, then
# sam deploy without a prompt and with a new ReleaseId, so every function
# publishes a version (parameter-only changes too). CodeDeploy runs the
# pre-traffic smoke check, shifts CanaryPercent of each `live` alias for
# CANARY_MINUTES and rolls a function back when its own canary alarm fires
# (the failed alias update then rolls the whole stack back). Parameters not
# given keep the stack's previous values.
#
# sam deploy waits for the stack, and so for the whole canary, at most
# --max-wait-duration minutes, 60 by default (aws-sam-cli:
# samcli/commands/deploy/command.py, default=60; samcli/lib/deploy/deployer.py
# wait_for_execute polls every 30 s for max_wait_duration * 60 // 30 tries),
# after which it fails while CodeDeploy goes on alone. So it waits the
# canary plus SAM_WAIT_MARGIN: the stack update before and after it and the
# pre-traffic hook (at most 120 s).
#
# aws-rollback stops the deployments in progress now and rolls them back
# (deploy/awsrelease.sh names each function's deployment group, as
# ListDeployments requires); after a finished deployment, release the
# previous commit. aws-check, aws-calls and aws-prune are the release job's
# other steps (docs/release.md).
RELEASE_ID ?= $(shell date -u +%m%d%H%M%S)
SAM_CONFIG_ENV ?= $(if $(filter prod,$(STAGE)),prod,default)
CANARY_MINUTES ?= 120
SAM_WAIT_MARGIN ?= 30
KEEP_VERSIONS ?= 3
.PHONY: aws-check aws-calls aws-prune
aws-release: ## sam build && sam deploy (no prompt) of STAGE with ReleaseId=RELEASE_ID, CanaryMinutes=CANARY_MINUTES; PARAMS="Name=value ..." for others
	sam build
	sam deploy --config-env $(SAM_CONFIG_ENV) --no-confirm-changeset --no-fail-on-empty-changeset \
	  --max-wait-duration $$(( $(CANARY_MINUTES) + $(SAM_WAIT_MARGIN) )) \
	  --parameter-overrides "Stage=$(STAGE) ReleaseId=$(RELEASE_ID) CanaryMinutes=$(CANARY_MINUTES) $(PARAMS)"

aws-rollback: ## stop the CodeDeploy deployments in progress for STACK_NAME and roll them back
	STACK_NAME="$(STACK_NAME)" ./deploy/awsrelease.sh rollback

aws-check: ## fail unless every CodeDeploy deployment of STACK_NAME since SINCE (UTC) succeeded
	STACK_NAME="$(STACK_NAME)" ./deploy/awsrelease.sh check "$(SINCE)"

aws-calls: ## report the calls each function's live version got since SINCE (UTC); none is a warning
	STACK_NAME="$(STACK_NAME)" ./deploy/awsrelease.sh calls "$(SINCE)"

aws-prune: ## delete STACK_NAME's function versions but the newest KEEP_VERSIONS and the aliases'
	STACK_NAME="$(STACK_NAME)" ./deploy/awsrelease.sh prune $(KEEP_VERSIONS)

# e2e-remote: the end-to-end check of a deployed stage over its real URLs:
# web/config.json from the stack (CLOUD=aws STACK_NAME=...) or the FC
# service (CLOUD=fc), then cmd/smoke sends deploy/smoke's exchanges to each
# function over HTTPS. They need no mailbox; a sign-up through a mailed code
# cannot run remotely (docs/release.md).
.PHONY: e2e-remote
e2e-remote: web-config ## the smoke exchanges over HTTPS against a deployed stage's URLs (CLOUD=aws STACK_NAME=... | CLOUD=fc)
	$(GO) run ./cmd/smoke -config web/config.json
