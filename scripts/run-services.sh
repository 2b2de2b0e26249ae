#!/usr/bin/env bash
# make run-services: the local server on the DynamoDB engine against dynalite,
# with mail through Mailpit. Starts both, creates the tables, stops both on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8080}
DYNALITE_PORT=${DYNALITE_PORT:-8000}
SMTP_PORT=${MAILPIT_SMTP_PORT:-1025}
MAILPIT_PORT=${MAILPIT_PORT:-8025}
./scripts/install-tools.sh >/dev/null
mkdir -p data/services
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

node_modules/.bin/dynalite --host 127.0.0.1 --port "$DYNALITE_PORT" --path data/services/dynalite >data/services/dynalite.log 2>&1 &
pids+=($!)
MAILPIT=$(command -v mailpit || echo "$(go env GOPATH)/bin/mailpit")
"$MAILPIT" --smtp "127.0.0.1:$SMTP_PORT" --listen "127.0.0.1:$MAILPIT_PORT" --disable-version-check \
  --smtp-auth-accept-any --smtp-auth-allow-insecure >data/services/mailpit.log 2>&1 &
pids+=($!)

export STORE=dynamodb AWS_REGION=${AWS_REGION:-local} DYNAMODB_ENDPOINT="http://127.0.0.1:$DYNALITE_PORT"
export SMTP_HOST=127.0.0.1 SMTP_PORT="$SMTP_PORT" SMTP_SECURITY=none MAILBOX_URL="http://127.0.0.1:$MAILPIT_PORT"
for i in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$DYNALITE_PORT" && break
  sleep 0.2
done
go run ./cmd/tables
echo "dynalite: http://127.0.0.1:$DYNALITE_PORT  Mailpit: http://127.0.0.1:$MAILPIT_PORT (SMTP 127.0.0.1:$SMTP_PORT)"
go build -o build/local/todofn-local ./cmd/local
PORT=$PORT ./build/local/todofn-local
