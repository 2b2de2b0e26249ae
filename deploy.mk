# Deployment targets: cloud zips, `sam build` hooks, web/config.json from a
# deployed stack, and gray releases on Function Compute. Included from the
# Makefile; docs/deploy.md walks through them.
#
# Binaries for the clouds are always linux/arm64 (template.yml says arm64;
# FC runs arm64 too), static, stripped and reproducible. The AWS flavour
# leaves the Tablestore engine out, the FC flavour the DynamoDB engine.

GO ?= go
FUNCTIONS ?= register verify login todos-list todos-add todos-update todos-delete mailer
# ONLY=register limits package/package-aws/package-fc to some functions
# (s.yaml's pre-deploy actions build one function each).
ONLY ?= $(FUNCTIONS)
CLOUD_ARCH := arm64
AWS_TAGS := lambda.norpc,no_tablestore
FC_TAGS := no_dynamodb
RELEASE_LDFLAGS := -s -w -buildid=
# Serverless Devs: `npm i -g @serverless-devs/s`, or S="npx @serverless-devs/s".
S ?= s
STAGE ?= test
STACK_NAME ?= todofn-$(STAGE)
CLOUD ?= aws
# Share of traffic the new version gets during `make fc-canary`.
CANARY_WEIGHT ?= 0.1

.PHONY: package-aws package-fc web-config fc-deploy fc-canary fc-promote fc-rollback fc-status aws-rollback \
	build-RegisterFunction build-VerifyFunction build-LoginFunction build-TodosListFunction \
	build-TodosAddFunction build-TodosUpdateFunction build-TodosDeleteFunction build-MailerFunction

# cloud_zip builds function $(1) with tags $(2) into build/$(3)/$(1)/bootstrap
# and packs build/$(3)/$(1).zip (bootstrap at its root, exec bit kept).
define cloud_zip
	CGO_ENABLED=0 GOOS=linux GOARCH=$(CLOUD_ARCH) $(GO) build -tags $(2) -trimpath -ldflags "$(RELEASE_LDFLAGS)" \
	  -o build/$(3)/$(1)/bootstrap ./functions/$(1)
	build/tools/pack -o build/$(3)/$(1).zip build/$(3)/$(1)/bootstrap
	@printf '%-4s %-14s %6s KiB bootstrap  %6s KiB zip\n' $(3) $(1) \
	  $$(( $$(stat -c %s build/$(3)/$(1)/bootstrap) / 1024 )) $$(( $$(stat -c %s build/$(3)/$(1).zip) / 1024 ))

endef

build/tools/pack: $(wildcard cmd/pack/*.go)
	@mkdir -p build/tools
	$(GO) build -o $@ ./cmd/pack

build/tools/webconfig: $(wildcard cmd/webconfig/*.go)
	@mkdir -p build/tools
	$(GO) build -o $@ ./cmd/webconfig

package-aws: build/tools/pack ## AWS Lambda zips: build/aws/<fn>.zip (-tags lambda.norpc,no_tablestore)
	$(foreach f,$(ONLY),$(call cloud_zip,$(f),$(AWS_TAGS),aws))

package-fc: build/tools/pack ## Function Compute zips: build/fc/<fn>.zip (-tags no_dynamodb)
	$(foreach f,$(ONLY),$(call cloud_zip,$(f),$(FC_TAGS),fc))

package: package-aws package-fc

# `sam build` runs `make build-<LogicalId>` with ARTIFACTS_DIR set, for each
# function of template.yml (Metadata: BuildMethod: makefile).
define sam_build
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: run this through 'sam build'" >&2; exit 1; }
	CGO_ENABLED=0 GOOS=linux GOARCH=$(CLOUD_ARCH) $(GO) build -tags $(AWS_TAGS) -trimpath -ldflags "$(RELEASE_LDFLAGS)" \
	  -o "$(ARTIFACTS_DIR)/bootstrap" ./functions/$(1)
endef

build-RegisterFunction: ; $(call sam_build,register)
build-VerifyFunction: ; $(call sam_build,verify)
build-LoginFunction: ; $(call sam_build,login)
build-TodosListFunction: ; $(call sam_build,todos-list)
build-TodosAddFunction: ; $(call sam_build,todos-add)
build-TodosUpdateFunction: ; $(call sam_build,todos-update)
build-TodosDeleteFunction: ; $(call sam_build,todos-delete)
build-MailerFunction: ; $(call sam_build,mailer)

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
# triggers are bound to, then deploys the triggers. A release is then
# fc-canary (publish a version, give it CANARY_WEIGHT of `live`), and
# fc-promote or fc-rollback.
fc-deploy: ## deploy to Function Compute: functions, the live alias, triggers
	$(S) deploy -t s.yaml --function -y
	S="$(S)" ./deploy/fcrelease.sh init
	$(S) deploy -t s.yaml --trigger -y

fc-canary: ## publish a version of each FC function and send CANARY_WEIGHT of `live` to it
	S="$(S)" ./deploy/fcrelease.sh canary $(CANARY_WEIGHT)

fc-promote: ## point `live` wholly at the canary version
	S="$(S)" ./deploy/fcrelease.sh promote

fc-rollback: ## send all of `live` back to its main version, dropping the canary
	S="$(S)" ./deploy/fcrelease.sh rollback

fc-status: ## show where `live` points on each FC function
	S="$(S)" ./deploy/fcrelease.sh status

# On AWS a release is `sam build && sam deploy`: CodeDeploy shifts each
# `live` alias (DeploymentType) and rolls it back by itself when a function's
# Errors alarm fires. aws-rollback stops the deployments in progress now and
# rolls them back; after a finished deployment, deploy the previous commit.
aws-rollback: ## stop the CodeDeploy deployments in progress for STACK_NAME and roll them back
	@app=$$(aws cloudformation describe-stack-resource --stack-name $(STACK_NAME) \
	    --logical-resource-id ServerlessDeploymentApplication \
	    --query StackResourceDetail.PhysicalResourceId --output text) && \
	ids=$$(aws deploy list-deployments --application-name "$$app" \
	    --include-only-statuses InProgress Created Queued Ready --query 'deployments[]' --output text) && \
	if [ -z "$$ids" ] || [ "$$ids" = None ]; then echo "no deployment in progress for $$app"; exit 0; fi && \
	for id in $$ids; do echo "rolling back $$id"; aws deploy stop-deployment --deployment-id $$id --auto-rollback-enabled; done
