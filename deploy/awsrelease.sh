#!/usr/bin/env bash
# awsrelease.sh: the AWS release's steps (docs/release.md), for one stack
# (STACK_NAME, default todofn-<STAGE>), with SAM CLI and the AWS CLI v2.
#
#   awsrelease.sh deploy        sam build, then sam deploy of STAGE (test or prod)
#                               without a prompt, every parameter from the
#                               environment (below), a new ReleaseId, and a wait
#                               that outlasts the canary
#   awsrelease.sh check SINCE   every CodeDeploy deployment of the stack created
#                               since SINCE (UTC, 2026-12-01T10:00:00Z) succeeded;
#                               none at all is fine (no function changed)
#   awsrelease.sh rollback      stop each deployment in progress, with rollback
#   awsrelease.sh calls SINCE   report, per function, the calls its `live` version
#                               got through `live` since SINCE; a function with
#                               none is reported (::warning::), never passed silently
#   awsrelease.sh prune [KEEP]  delete each function's published versions but the
#                               newest KEEP (default 3, at least 2) and every
#                               version an alias points to or weighs
#
# CodeDeploy's ListDeployments takes an application name only together with
# a deployment group name ("If applicationName is specified, then
# deploymentGroupName must be specified. If it is not specified, then
# deploymentGroupName must not be specified.",
# https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ListDeployments.html),
# so every call below names one of the application's groups, which SAM makes
# one per function (ListDeploymentGroups,
# https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ListDeploymentGroups.html).
# The CLI pages through every list by itself.
#
# Environment: AWS (the CLI, default aws), SAM (default sam), STAGE (default
# test), STACK_NAME, ALIAS (default live). deploy reads APP_URL,
# ALLOWED_ORIGINS, JWT_SIGNING_KEYS, JWT_PUBLIC_KEYS, APP_SECRET,
# SMTP_USERNAME, SMTP_PASSWORD (required), CANARY_MINUTES (120), RELEASE_ID
# (the UTC time, MMDDhhmmss), and, when set, MAIL_FROM, SMTP_HOST,
# CANARY_PERCENT, DEPLOYMENT_TYPE; SAM_WAIT_MARGIN (30) as in deploy.mk.
set -euo pipefail

AWS=${AWS:-aws}
SAM=${SAM:-sam}
STAGE=${STAGE:-test}
STACK_NAME=${STACK_NAME:-todofn-$STAGE}
ALIAS=${ALIAS:-live}

# app: the stack's CodeDeploy application (SAM's ServerlessDeploymentApplication).
app() {
  "$AWS" cloudformation describe-stack-resource --stack-name "$STACK_NAME" \
    --logical-resource-id ServerlessDeploymentApplication \
    --query StackResourceDetail.PhysicalResourceId --output text
}

# groups APP: the application's deployment groups, one a line.
groups() {
  "$AWS" deploy list-deployment-groups --application-name "$1" \
    --query 'deploymentGroups[]' --output text | tr '\t' '\n' | grep -v '^$' | grep -vx None || true
}

# deployments APP GROUP ARGS...: the group's deployment ids, one a line.
deployments() {
  local a=$1 g=$2
  shift 2
  "$AWS" deploy list-deployments --application-name "$a" --deployment-group-name "$g" "$@" \
    --query 'deployments[]' --output text | tr '\t' '\n' | grep -v '^$' | grep -vx None || true
}

# functions: the stack's Lambda functions, one a line (the hook included).
functions() {
  "$AWS" cloudformation list-stack-resources --stack-name "$STACK_NAME" \
    --query "StackResourceSummaries[?ResourceType=='AWS::Lambda::Function'].PhysicalResourceId" \
    --output text | tr '\t' '\n' | grep -v '^$' | grep -vx None || true
}

# p NAME VALUE: one --parameter-overrides item, NAME="VALUE". sam's syntax
# has no escape this can rely on, so a quote or backslash in a value is
# refused rather than mangled.
p() {
  case "$2" in *'"'* | *\\*)
    echo "awsrelease: the value of $1 holds a quote or a backslash, which sam deploy --parameter-overrides cannot pass" >&2
    return 1 ;;
  esac
  params+=("$1=\"$2\"")
}

cmd=${1:-}
case "$cmd" in
deploy)
  case "$STAGE" in test | prod) ;; *) echo "awsrelease: STAGE must be test or prod, not '$STAGE'" >&2; exit 2 ;; esac
  canary=${CANARY_MINUTES:-120}
  case "$canary" in '' | *[!0-9]*) echo "awsrelease: CANARY_MINUTES must be a whole number" >&2; exit 2 ;; esac
  params=()
  p Stage "$STAGE"
  # A new id on every deploy (template.yml's ReleaseId: a repeated one publishes nothing).
  p ReleaseId "${RELEASE_ID:-$(date -u +%m%d%H%M%S)}"
  p CanaryMinutes "$canary"
  p AppUrl "${APP_URL:?awsrelease: APP_URL is not set}"
  p AllowedOrigins "${ALLOWED_ORIGINS:?awsrelease: ALLOWED_ORIGINS is not set}"
  p JwtSigningKeys "${JWT_SIGNING_KEYS:?awsrelease: JWT_SIGNING_KEYS is not set}"
  p JwtPublicKeys "${JWT_PUBLIC_KEYS:?awsrelease: JWT_PUBLIC_KEYS is not set}"
  p AppSecret "${APP_SECRET:?awsrelease: APP_SECRET is not set}"
  p SmtpUsername "${SMTP_USERNAME:?awsrelease: SMTP_USERNAME is not set}"
  p SmtpPassword "${SMTP_PASSWORD:?awsrelease: SMTP_PASSWORD is not set}"
  # Optional: unset or empty, the template's default applies.
  if [ -n "${MAIL_FROM:-}" ]; then p MailFrom "$MAIL_FROM"; fi
  if [ -n "${SMTP_HOST:-}" ]; then p SmtpHost "$SMTP_HOST"; fi
  if [ -n "${CANARY_PERCENT:-}" ]; then p CanaryPercent "$CANARY_PERCENT"; fi
  if [ -n "${DEPLOYMENT_TYPE:-}" ]; then p DeploymentType "$DEPLOYMENT_TYPE"; fi
  config_env=default
  if [ "$STAGE" = prod ]; then config_env=prod; fi
  # sam deploy waits for the stack through the whole canary, and gives up
  # after --max-wait-duration minutes, 60 unless told (aws-sam-cli,
  # samcli/commands/deploy/command.py): the canary plus the margin of deploy.mk.
  "$SAM" build
  "$SAM" deploy --config-env "$config_env" --stack-name "$STACK_NAME" \
    --no-confirm-changeset --no-fail-on-empty-changeset \
    --max-wait-duration "$((canary + ${SAM_WAIT_MARGIN:-30}))" \
    --parameter-overrides "${params[@]}"
  ;;
check)
  since=${2:?usage: awsrelease.sh check SINCE}
  a=$(app)
  n=0 bad=0
  for g in $(groups "$a"); do
    for id in $(deployments "$a" "$g" --create-time-range "start=$since"); do
      status=$("$AWS" deploy get-deployment --deployment-id "$id" --query deploymentInfo.status --output text)
      echo "$g: $id $status"
      n=$((n + 1))
      if [ "$status" != Succeeded ]; then bad=$((bad + 1)); fi
    done
  done
  if [ "$n" -eq 0 ]; then echo "no deployment since $since: no function changed"; fi
  if [ "$bad" -gt 0 ]; then
    echo "awsrelease: $bad of $n deployments did not succeed" >&2
    exit 1
  fi
  ;;
rollback)
  a=$(app)
  n=0
  for g in $(groups "$a"); do
    for id in $(deployments "$a" "$g" --include-only-statuses InProgress Created Queued Ready); do
      echo "$g: stopping $id with rollback"
      "$AWS" deploy stop-deployment --deployment-id "$id" --auto-rollback-enabled >/dev/null
      n=$((n + 1))
    done
  done
  echo "rolled back $n deployments of $a"
  ;;
calls)
  since=${2:?usage: awsrelease.sh calls SINCE}
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  idle=()
  for fn in $(functions); do
    case "$fn" in CodeDeployHook_*) continue ;; esac
    v=$("$AWS" lambda get-alias --function-name "$fn" --name "$ALIAS" --query FunctionVersion --output text)
    # Invocations by FunctionName, Resource (the alias) and ExecutedVersion:
    # the calls the alias sent to this version
    # (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
    sum=$("$AWS" cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Invocations \
      --dimensions "Name=FunctionName,Value=$fn" "Name=Resource,Value=$fn:$ALIAS" "Name=ExecutedVersion,Value=$v" \
      --start-time "$since" --end-time "$now" --period 3600 --statistics Sum \
      --query 'sum(Datapoints[].Sum)' --output text)
    sum=${sum%.*}
    case "$sum" in "" | *[!0-9]*) sum=0 ;; esac
    echo "$fn: version $v answered ${sum:-0} calls through $ALIAS since $since"
    if [ "${sum:-0}" -eq 0 ]; then idle+=("$fn"); fi
  done
  if [ "${#idle[@]}" -gt 0 ]; then
    msg="no call reached the new version of ${idle[*]} through $ALIAS during the window; only the pre-traffic smoke check exercised it"
    echo "::warning::$msg"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then echo "- $msg" >> "$GITHUB_STEP_SUMMARY"; fi
  fi
  ;;
prune)
  keep=${2:-3}
  case "$keep" in '' | *[!0-9]*) echo "awsrelease: KEEP must be a whole number" >&2; exit 2 ;; esac
  # Two at least: a stack update that fails rolls back to the previous
  # release's version, which must still exist.
  if [ "$keep" -lt 2 ]; then echo "awsrelease: KEEP is at least 2" >&2; exit 2; fi
  for fn in $(functions); do
    # Every alias's version and the versions it weighs stay.
    # shellcheck disable=SC2016 # JMESPath literals, not shell
    held=" $("$AWS" lambda list-aliases --function-name "$fn" \
      --query 'Aliases[].[FunctionVersion, join(`" "`, keys(RoutingConfig.AdditionalVersionWeights || `{}`))]' \
      --output text | tr '\t\n' '  ') "
    mapfile -t all < <("$AWS" lambda list-versions-by-function --function-name "$fn" \
      --query 'Versions[].Version' --output text | tr '\t' '\n' | grep -E '^[0-9]+$' | sort -n)
    drop=$((${#all[@]} - keep))
    deleted=0
    for ((i = 0; i < drop; i++)); do
      v=${all[$i]}
      case "$held" in *" $v "*) continue ;; esac
      "$AWS" lambda delete-function --function-name "$fn" --qualifier "$v"
      deleted=$((deleted + 1))
    done
    echo "$fn: ${#all[@]} versions, deleted $deleted"
  done
  ;;
*)
  sed -n '2,19p' "$0" >&2
  exit 2
  ;;
esac
