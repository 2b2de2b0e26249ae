#!/usr/bin/env bash
# make run-services: the local server on the DynamoDB engine against dynalite,
# with mail through Mailpit. cmd/devstack (internal/devstack, which cmd/soak's
# "services" target also uses) starts both, creates the tables, runs the
# server and stops everything on exit. Ports: PORT, DYNALITE_PORT,
# MAILPIT_SMTP_PORT, MAILPIT_PORT (8080, 8000, 1025, 8025).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-tools.sh >/dev/null
exec go run ./cmd/devstack "$@"
