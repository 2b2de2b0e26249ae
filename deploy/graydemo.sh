#!/usr/bin/env bash
# graydemo.sh: a gray release on this machine, twice, with the tools a real
# one uses (docs/release.md): the local cloud runs the real todos-list build
# (FC flavour, under the FC runtime API double) as production and a
# candidate build beside it, its front sends CANDIDATE_WEIGHT of the calls
# to the candidate, curl loops call GET /todos, and cmd/graywindow watches
# the front's per-version counts:
#
#   healthy  the candidate is the same build: promoted when the window ends
#   flaky    cmd/localcloud/testdata/flaky answers 500 on every fifth call:
#            rolled back at the first sample past the 5xx rate
#
# Environment: GO (go), PORT (8095), WINDOW (8s), CANDIDATE_WEIGHT (0.3),
# DIR (build/graydemo). Needs curl. `make gray-demo` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
PORT=${PORT:-8095}
WINDOW=${WINDOW:-8s}
WEIGHT=${CANDIDATE_WEIGHT:-0.3}
DIR=${DIR:-build/graydemo}
FN=todos-list
URL=http://127.0.0.1:$PORT

build() { # build PACKAGE FOLDER: the FC flavour, as the tool finds FN in FOLDER
  CGO_ENABLED=0 "$GO" build -tags no_dynamodb -trimpath -o "$2/$FN/bootstrap" "$1"
}
echo "graydemo: building $FN, the flaky candidate, localcloud and graywindow into $DIR"
build ./functions/$FN "$DIR/production"
build ./functions/$FN "$DIR/healthy"
build ./cmd/localcloud/testdata/flaky "$DIR/flaky"
"$GO" build -o "$DIR/localcloud" ./cmd/localcloud
"$GO" build -o "$DIR/graywindow" ./cmd/graywindow

pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
trap stop EXIT

for candidate in healthy flaky; do
  echo
  echo "=== candidate: $candidate ($WEIGHT of the calls, window $WINDOW)"
  "$DIR/localcloud" -mode fc -bin "$DIR/production" -candidate-bin "$DIR/$candidate" -candidate-weight "$WEIGHT" \
    -only $FN -port "$PORT" -smtp 127.0.0.1:1 >"$DIR/localcloud-$candidate.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -fs "$URL/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  for _ in 1 2 3 4; do
    (while curl -s -o /dev/null "$URL/todos"; do :; done) &
    pids+=($!)
  done
  rc=0
  "$DIR/graywindow" -source local -url "$URL" -window "$WINDOW" -interval 1s -max-5xx-rate 0.05 -min-requests 20 -max-p99 2s || rc=$?
  curl -s "$URL/_gray"; echo
  case $rc in
  0) echo "=== $candidate: promoted (exit 0)" ;;
  3) echo "=== $candidate: rolled back (exit 3)" ;;
  *) echo "=== $candidate: graywindow failed (exit $rc); see $DIR/localcloud-$candidate.log"; exit 1 ;;
  esac
  stop
done
