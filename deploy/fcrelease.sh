#!/usr/bin/env bash
# fcrelease.sh: gray releases of the Function Compute functions in s.yaml,
# through each function's `live` alias, which its triggers call.
#
#   fcrelease.sh init          give every function a `live` alias if it has none
#                              (publishes a first version; run before the triggers exist).
#                              Acts only on FC's AliasNotFound; never moves an alias
#   fcrelease.sh canary W      record every function's `live` version in STATE, then
#                              publish a version of each function; `live` keeps its
#                              version and sends the share W (0 < W < 1) to the new one
#   fcrelease.sh promote       `live` -> the canary version, all traffic; read back
#   fcrelease.sh rollback      `live` -> the version STATE recorded, all traffic (canary
#                              dropped, a half-done promote undone); read back
#   fcrelease.sh status        where `live` points
#   fcrelease.sh prune N       remove all but the newest N versions of each function,
#                              never one `live` or STATE names
#   fcrelease.sh verify-url    the verify function's trigger URL + /verify (from `s info`
#                              and build/tools/webconfig), the mailer's VERIFY_URL
#   fcrelease.sh logs SINCE    every function's `s logs` lines from SINCE (UTC,
#                              e.g. 2026-12-01T10:00:00Z) to now, each prefixed
#                              "fn-<name> | " (at most 100 per function: see logs-page)
#   fcrelease.sh logs-page FN SINCE TO OFFSET SIZE
#                              one page of FN's Log Service logs from SINCE to TO
#                              (unix seconds or UTC times), a JSON array, with
#                              `aliyunlog log get_log` (pip install aliyun-log-cli),
#                              for cmd/graywindow -page-cmd
#
# Environment: S (the Serverless Devs CLI, default s), TEMPLATE (default
# s.yaml), ALIAS (default live), STATE (the versions `live` had before the
# canary, default build/fc-release-$STAGE.versions, STAGE default test),
# FC_FUNCTIONS (the s.yaml resources; the make targets pass fn-<name> for
# each function of functions.mk; unset, the script asks the route table with
# `$GO run ./cmd/routes -format names`, GO default go). logs-page: ALIYUNLOG
# (default aliyunlog, configured with `aliyunlog configure` for the region's
# endpoint), SLS_PROJECT and SLS_LOGSTORE (default: the function's logConfig
# from `s info`), FC_FUNCTION_PREFIX (todofn-$STAGE-, as s.yaml names the
# functions). Needs
# node (JSON parsing), as s itself does; Go only without FC_FUNCTIONS.
set -euo pipefail

S=${S:-s}
TEMPLATE=${TEMPLATE:-s.yaml}
ALIAS=${ALIAS:-live}
STAGE=${STAGE:-test}
STATE=${STATE:-build/fc-release-$STAGE.versions}

# field NAME: print NAME from the JSON document on stdin. `s ... -o json`
# wraps a result in the resource's name ({"register": {...}}) and may print
# a warning line first, so the document runs from the first "{" to the last
# "}", and NAME is looked up at the top level, then one level down.
field() {
  node -e '
    let d = "";
    process.stdin.on("data", (c) => (d += c)).on("end", () => {
      const s = d.indexOf("{"), e = d.lastIndexOf("}");
      if (s < 0 || e < s) process.exit(3);
      const o = JSON.parse(d.slice(s, e + 1));
      const name = process.argv[1];
      let v = o[name];
      if (v === undefined) for (const x of Object.values(o)) if (x && typeof x === "object" && name in x) { v = x[name]; break; }
      if (v === undefined || v === null) v = "";
      process.stdout.write(typeof v === "object" ? JSON.stringify(v) : String(v));
    });' "$1"
}

# canary_of WEIGHTS: the version that has a weight in {"N":0.1}, if any.
canary_of() {
  node -e 'const w = JSON.parse(process.argv[1] || "{}"); process.stdout.write(Object.keys(w || {})[0] || "")' "${1:-}"
}

alias_json() { "$S" "$1" alias get --alias-name "$ALIAS" -t "$TEMPLATE" -o json; }

# alias_get FN: FN's alias JSON into $alias_out. Returns 0 when it exists, 1
# when FC answered AliasNotFound, 2 on any other failure (throttling, a
# network error, credentials): only the second may be read as "no alias".
# FC's error code is AliasNotFound (devsapp/fc3 src/resources/fc/error-code.ts,
# the code its publishAlias tests for), and the SDK's error message starts
# with the code ("InvalidArgument: code: 400, ..." in isSlsNotExistException
# of the same file), which s prints.
alias_get() {
  if alias_out=$(alias_json "$1" 2>&1); then
    return 0
  fi
  case "$alias_out" in
  *AliasNotFound*) return 1 ;;
  esac
  return 2
}

# read_back FN VERSION: fail unless FN's alias points wholly at VERSION. FC
# does not document that an update with additionalVersionWeight {} clears
# the weights, so every move is checked.
read_back() {
  local a v w
  a=$(alias_json "$1") || { echo "$1: cannot read $ALIAS back" >&2; return 1; }
  v=$(printf '%s' "$a" | field versionId)
  w=$(canary_of "$(printf '%s' "$a" | field additionalVersionWeight)")
  if [ "$v" != "$2" ] || [ -n "$w" ]; then
    echo "$1: $ALIAS reads back as $v with weight on '${w}', want $2 alone" >&2
    return 1
  fi
}

# recorded FN: the version STATE recorded for FN, if any.
recorded() { if [ -f "$STATE" ]; then awk -v fn="$1" '$1 == fn { print $2 }' "$STATE"; fi; }

cmd=${1:-}
case "$cmd" in
init | canary | promote | rollback | status | prune | verify-url | logs | logs-page) ;;
*)
  sed -n '2,38p' "$0" >&2
  exit 2
  ;;
esac

# Every function of the route table, fn-<name> as s.yaml names them.
if [ -z "${FC_FUNCTIONS:-}" ]; then
  names=$(cd "$(dirname "$0")/.." && "${GO:-go}" run ./cmd/routes -format names) ||
    { echo "fcrelease.sh: cannot read the route table (go run ./cmd/routes); set FC_FUNCTIONS" >&2; exit 1; }
  FC_FUNCTIONS=""
  for n in $names; do FC_FUNCTIONS="$FC_FUNCTIONS fn-$n"; done
fi

case "$cmd" in
init)
  for fn in $FC_FUNCTIONS; do
    rc=0
    alias_get "$fn" || rc=$?
    case $rc in
    0)
      echo "$fn: $ALIAS exists"
      continue
      ;;
    2)
      echo "$fn: cannot tell whether $ALIAS exists; nothing changed:" >&2
      printf '%s\n' "$alias_out" | tail -n 3 >&2
      exit 1
      ;;
    esac
    v=$("$S" "$fn" version publish -t "$TEMPLATE" --description "first release" -o json | field versionId)
    [ -n "$v" ] || { echo "$fn: version publish printed no versionId" >&2; exit 1; }
    "$S" "$fn" alias publish -t "$TEMPLATE" --alias-name "$ALIAS" --version-id "$v" -o json >/dev/null
    echo "$fn: $ALIAS -> version $v"
  done
  ;;
canary)
  weight=${2:-}
  node -e 'const w = Number(process.argv[1]); process.exit(w > 0 && w < 1 ? 0 : 1)' "$weight" ||
    { echo "usage: fcrelease.sh canary WEIGHT (between 0 and 1, e.g. 0.1)" >&2; exit 2; }
  if [ -f "$STATE" ]; then
    echo "fcrelease.sh: $STATE records a release that was not finished: run 'make fc-rollback' (or fc-promote) first" >&2
    exit 1
  fi
  # Every main version first, before any alias moves: rollback returns to these.
  record=""
  for fn in $FC_FUNCTIONS; do
    a=$(alias_json "$fn") || { echo "$fn: cannot read $ALIAS; run 'make fc-deploy' first" >&2; exit 1; }
    main=$(printf '%s' "$a" | field versionId)
    [ -n "$main" ] || { echo "$fn: no $ALIAS alias; run 'make fc-deploy' first" >&2; exit 1; }
    if [ -n "$(canary_of "$(printf '%s' "$a" | field additionalVersionWeight)")" ]; then
      echo "$fn: $ALIAS already has a canary; run 'make fc-rollback' first" >&2
      exit 1
    fi
    record="$record$fn $main"$'\n'
  done
  mkdir -p "$(dirname "$STATE")"
  printf '%s' "$record" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
  rm -f "${STATE%.versions}.logconfig" # logs-page reads each logConfig afresh for this release
  desc="canary $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for fn in $FC_FUNCTIONS; do
    main=$(recorded "$fn")
    if ! out=$("$S" "$fn" version publish -t "$TEMPLATE" --description "$desc" -o json 2>&1); then
      # FC refuses to publish a version when nothing changed since the last one.
      echo "$fn: no new version ($(printf '%s' "$out" | tail -n 1)); $ALIAS stays on $main"
      continue
    fi
    new=$(printf '%s' "$out" | field versionId)
    if [ -z "$new" ] || [ "$new" = "$main" ]; then
      echo "$fn: no new version; $ALIAS stays on $main"
      continue
    fi
    "$S" "$fn" alias publish -t "$TEMPLATE" --alias-name "$ALIAS" --version-id "$main" --vw "{\"$new\":$weight}" -o json >/dev/null
    echo "$fn: $ALIAS -> $main, $weight to canary $new"
  done
  ;;
promote)
  for fn in $FC_FUNCTIONS; do
    a=$(alias_json "$fn")
    main=$(printf '%s' "$a" | field versionId)
    canary=$(canary_of "$(printf '%s' "$a" | field additionalVersionWeight)")
    if [ -z "$canary" ]; then
      was=$(recorded "$fn")
      if [ -n "$was" ] && [ "$was" != "$main" ]; then
        echo "$fn: $ALIAS already on $main (promoted from $was)"
      else
        echo "$fn: no canary; $ALIAS stays on $main"
      fi
      continue
    fi
    "$S" "$fn" alias publish -t "$TEMPLATE" --alias-name "$ALIAS" --version-id "$canary" --vw '{}' -o json >/dev/null
    read_back "$fn" "$canary"
    echo "$fn: $ALIAS -> $canary (was $main + canary $canary)"
  done
  rm -f "$STATE"
  ;;
rollback)
  # Back to exactly what STATE recorded before the canary, also for
  # functions a failed promote already moved; without STATE (no canary was
  # recorded) a function with a canary goes back to its main version.
  failed=0
  for fn in $FC_FUNCTIONS; do
    if ! a=$(alias_json "$fn" 2>&1); then
      echo "$fn: cannot read $ALIAS: $(printf '%s' "$a" | tail -n 1)" >&2
      failed=1
      continue
    fi
    main=$(printf '%s' "$a" | field versionId)
    canary=$(canary_of "$(printf '%s' "$a" | field additionalVersionWeight)")
    target=$(recorded "$fn")
    [ -n "$target" ] || target=$main
    if [ "$main" = "$target" ] && [ -z "$canary" ]; then
      echo "$fn: $ALIAS stays on $main"
      continue
    fi
    if ! "$S" "$fn" alias publish -t "$TEMPLATE" --alias-name "$ALIAS" --version-id "$target" --vw '{}' -o json >/dev/null ||
      ! read_back "$fn" "$target"; then
      echo "$fn: rollback to $target failed" >&2
      failed=1
      continue
    fi
    echo "$fn: $ALIAS -> $target (was $main${canary:+ + canary $canary})"
  done
  [ "$failed" = 0 ] || { echo "fcrelease.sh: rollback incomplete; $STATE kept: run it again" >&2; exit 1; }
  rm -f "$STATE"
  ;;
status)
  for fn in $FC_FUNCTIONS; do
    a=$(alias_json "$fn")
    echo "$fn: $ALIAS -> $(printf '%s' "$a" | field versionId) $(printf '%s' "$a" | field additionalVersionWeight)"
  done
  ;;
prune)
  # Published versions pile up (one per function and release), and fc3's
  # `version list` (listFunctionVersion in src/resources/fc/index.ts) never
  # passes the nextToken it receives: past 100 versions it asks for the
  # first page again and again. Keep the newest N, and every version
  # `live` or STATE names.
  keep=${2:-}
  case "$keep" in '' | *[!0-9]*) echo "usage: fcrelease.sh prune N (versions to keep, at least 1)" >&2; exit 2 ;; esac
  [ "$keep" -ge 1 ] || { echo "usage: fcrelease.sh prune N (versions to keep, at least 1)" >&2; exit 2; }
  for fn in $FC_FUNCTIONS; do
    a=$(alias_json "$fn") || { echo "$fn: cannot read $ALIAS; nothing removed" >&2; exit 1; }
    inuse=" $(printf '%s' "$a" | field versionId) $(node -e 'process.stdout.write(Object.keys(JSON.parse(process.argv[1] || "{}") || {}).join(" "))' "$(printf '%s' "$a" | field additionalVersionWeight)") $(recorded "$fn") "
    list=$("$S" "$fn" version list -t "$TEMPLATE" -o json) || { echo "$fn: version list failed; nothing removed" >&2; exit 1; }
    # The versions, newest first: the first JSON array of the document.
    old=$(printf '%s' "$list" | node -e '
      let d = "";
      process.stdin.on("data", (c) => (d += c)).on("end", () => {
        // The document runs from the first line opening with { or [ that
        // parses to the end (s may print a "[date][WARN] ..." line first).
        const lines = d.split("\n");
        let o;
        for (let i = 0; i < lines.length && o === undefined; i++) {
          if (!/^\s*[{[]/.test(lines[i])) continue;
          try { o = JSON.parse(lines.slice(i).join("\n")); } catch (_) {}
        }
        if (o === undefined) process.exit(3);
        while (!Array.isArray(o)) o = Object.values(o).find((x) => x && typeof x === "object");
        const ids = o.map((v) => Number(v.versionId)).filter((n) => n > 0).sort((a, b) => b - a);
        process.stdout.write(ids.slice(Number(process.argv[1])).join(" "));
      });' "$keep")
    n=0
    for v in $old; do
      case "$inuse" in *" $v "*) continue ;; esac
      "$S" "$fn" version remove -t "$TEMPLATE" --version-id "$v" -y >/dev/null
      n=$((n + 1))
    done
    named=$(echo "$inuse" | tr ' ' '\n' | sort -un | tr '\n' ' ')
    echo "$fn: removed $n old versions (kept the newest $keep, and those $ALIAS or $STATE name:$named)"
  done
  ;;
verify-url)
  # The mail links must reach GET /verify on the verify function's HTTP
  # trigger: APP_URL/verify is the static site, where OSS answers 404.
  url=$("$S" fn-verify info -t "$TEMPLATE" -o json 2>/dev/null | "${WEBCONFIG:-build/tools/webconfig}" -cloud fc -url verify 2>/dev/null) || url=""
  case "$url" in
  https://* | http://*) echo "${url%/}/verify" ;;
  *) echo "fcrelease.sh: no HTTP trigger URL for fn-verify yet (s fn-verify info)" >&2; exit 1 ;;
  esac
  ;;
logs)
  since=${2:-}
  [ -n "$since" ] || { echo "usage: fcrelease.sh logs SINCE (UTC, e.g. 2026-12-01T10:00:00Z)" >&2; exit 2; }
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for fn in $FC_FUNCTIONS; do
    # s logs reads the function's Log Service logstore (logConfig: auto).
    "$S" "$fn" logs -t "$TEMPLATE" --start-time "$since" --end-time "$now" 2>/dev/null | sed "s/^/$fn | /" ||
      echo "fcrelease.sh: no logs for $fn" >&2
  done
  ;;
logs-page)
  [ $# -eq 6 ] || { echo "usage: fcrelease.sh logs-page FN SINCE TO OFFSET SIZE" >&2; exit 2; }
  fn=$2 offset=$5 size=$6
  unix() { node -e 'const a = process.argv[1]; const t = /^\d+$/.test(a) ? Number(a) : Math.floor(Date.parse(a) / 1000);
    if (!(t > 0)) process.exit(1); process.stdout.write(String(t))' "$1"; }
  if ! from=$(unix "$3") || ! to=$(unix "$4"); then
    echo "logs-page: SINCE and TO must be unix seconds or UTC times" >&2
    exit 2
  fi
  project=${SLS_PROJECT:-} logstore=${SLS_LOGSTORE:-}
  if [ -z "$project" ] || [ -z "$logstore" ]; then
    # The function's own logConfig, from `s info` once per release (cached
    # beside STATE): logConfig: auto names the project
    # serverless-<region>-<uuid of the account> and the logstore default-logs
    # unless FC_GENERATE_PROJECT_NAME / _LOGSTORE_NAME were set at deploy
    # (devsapp/fc3 src/resources/sls/index.ts, src/default/resources.ts).
    cache="${STATE%.versions}.logconfig"
    line=$(awk -v fn="$fn" '$1 == fn { print $2, $3 }' "$cache" 2>/dev/null || true)
    if [ -z "$line" ]; then
      line=$("$S" "$fn" info -t "$TEMPLATE" -o json | field logConfig |
        node -e 'let d = ""; process.stdin.on("data", (c) => (d += c)).on("end", () => {
          const l = JSON.parse(d || "{}"); if (!l.project || !l.logstore) process.exit(1); process.stdout.write(l.project + " " + l.logstore); })') ||
        { echo "logs-page: $fn has no logConfig project/logstore (s $fn info); set SLS_PROJECT and SLS_LOGSTORE" >&2; exit 1; }
      mkdir -p "$(dirname "$cache")"
      echo "$fn $line" >>"$cache"
    fi
    project=${project:-${line% *}} logstore=${logstore:-${line#* }}
  fi
  # FC writes a function's logs under the topic FCLogs:<function> (the
  # filter fc3's logs command uses). GetLogs: at most 100 logs a call,
  # paged with offset (https://help.aliyun.com/document_detail/421017.html).
  "${ALIYUNLOG:-aliyunlog}" log get_log --project="$project" --logstore="$logstore" \
    --from_time="$from" --to_time="$to" --query="__topic__: \"FCLogs:${FC_FUNCTION_PREFIX:-todofn-$STAGE-}${fn#fn-}\"" \
    --offset="$offset" --size="$size" --reverse=false
  ;;
esac
