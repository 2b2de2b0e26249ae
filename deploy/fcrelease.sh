#!/usr/bin/env bash
# fcrelease.sh: gray releases of the Function Compute functions in s.yaml,
# through each function's `live` alias, which its triggers call.
#
#   fcrelease.sh init          give every function a `live` alias if it has none
#                              (publishes a first version; run before the triggers exist)
#   fcrelease.sh canary W      publish a version of each function; `live` keeps its
#                              version and sends the share W (0 < W < 1) to the new one
#   fcrelease.sh promote       `live` -> the canary version, all traffic
#   fcrelease.sh rollback      `live` -> its main version, all traffic (canary dropped)
#   fcrelease.sh status        where `live` points
#   fcrelease.sh logs SINCE    every function's request log lines from SINCE (UTC,
#                              e.g. 2026-12-01T10:00:00Z) to now, each prefixed
#                              "fn-<name> | ", for cmd/graywindow -source fc
#
# Environment: S (the Serverless Devs CLI, default s), TEMPLATE (default
# s.yaml), ALIAS (default live), FC_FUNCTIONS (the s.yaml resources; the make
# targets pass fn-<name> for each function of functions.mk; unset, the script
# asks the route table with `$GO run ./cmd/routes -format names`, GO default
# go). Needs node (JSON parsing), as s itself does; Go only without FC_FUNCTIONS.
set -euo pipefail

S=${S:-s}
TEMPLATE=${TEMPLATE:-s.yaml}
ALIAS=${ALIAS:-live}

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

cmd=${1:-}
case "$cmd" in
init | canary | promote | rollback | status | logs) ;;
*)
  sed -n '2,20p' "$0" >&2
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
    if alias_json "$fn" >/dev/null 2>&1; then
      echo "$fn: $ALIAS exists"
      continue
    fi
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
  desc="canary $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for fn in $FC_FUNCTIONS; do
    main=$(alias_json "$fn" | field versionId)
    [ -n "$main" ] || { echo "$fn: no $ALIAS alias; run 'make fc-deploy' first" >&2; exit 1; }
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
promote | rollback)
  for fn in $FC_FUNCTIONS; do
    a=$(alias_json "$fn")
    main=$(printf '%s' "$a" | field versionId)
    canary=$(canary_of "$(printf '%s' "$a" | field additionalVersionWeight)")
    if [ -z "$canary" ]; then
      echo "$fn: no canary; $ALIAS stays on $main"
      continue
    fi
    target=$main
    [ "$cmd" = promote ] && target=$canary
    "$S" "$fn" alias publish -t "$TEMPLATE" --alias-name "$ALIAS" --version-id "$target" --vw '{}' -o json >/dev/null
    echo "$fn: $ALIAS -> $target (was $main + canary $canary)"
  done
  ;;
status)
  for fn in $FC_FUNCTIONS; do
    a=$(alias_json "$fn")
    echo "$fn: $ALIAS -> $(printf '%s' "$a" | field versionId) $(printf '%s' "$a" | field additionalVersionWeight)"
  done
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
esac
