#!/usr/bin/env bash
# Installs what the tests use, each only if missing: the npm packages
# (dynalite, playwright-core), Mailpit, Toxiproxy, the AWS Lambda runtime
# interface emulator and staticcheck (Go modules, pinned), and Debian's Chromium
# (needs root or sudo); and the checkers of the CI workflows and the security
# gate: actionlint, gosec, gitleaks and govulncheck (Go modules, pinned) and
# Debian's shellcheck (which actionlint runs on the workflows' scripts).
#
#   install-tools.sh            everything `make test` uses
#   install-tools.sh security   only the checkers (`make security`, `make lint-ci`)
set -euo pipefail
cd "$(dirname "$0")/.."
GOBIN="$(go env GOPATH)/bin"

# go_tool NAME MODULE VERSION PACKAGE: go install PACKAGE@VERSION unless
# GOBIN/NAME was built from MODULE at VERSION (gosec and gitleaks built by
# go install print no version of their own, so the binary's build info is
# read); a different version in GOBIN is replaced.
go_tool() {
  if [ "$(go version -m "$GOBIN/$1" 2>/dev/null | awk '$1 == "mod" { print $2 "@" $3 }')" != "$2@$3" ]; then
    echo "tools: go install $4@$3"
    go install "$4@$3"
  fi
}
go_tool actionlint github.com/rhysd/actionlint v1.7.12 github.com/rhysd/actionlint/cmd/actionlint
# gosec pulls in its AI-autofix clients: about 3 minutes and 100 MB the first time.
go_tool gosec github.com/securego/gosec/v2 v2.30.0 github.com/securego/gosec/v2/cmd/gosec
# gitleaks' module is github.com/zricethezav/gitleaks/v8 (its go.mod), not the
# github.com/gitleaks org's path.
go_tool gitleaks github.com/zricethezav/gitleaks/v8 v8.30.1 github.com/zricethezav/gitleaks/v8
# govulncheck is installed like the others but reads the Go
# vulnerability database (vuln.go.dev) when it runs: the CI security job runs it.
go_tool govulncheck golang.org/x/vuln v1.9.0 golang.org/x/vuln/cmd/govulncheck
if ! command -v shellcheck >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "tools: apt-get install shellcheck"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq shellcheck >/dev/null
fi
if [ "${1:-}" = security ]; then
  echo "tools: ready (checkers)"
  exit 0
fi

if [ ! -x node_modules/.bin/dynalite ] || [ ! -d node_modules/playwright-core ] || [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -d node_modules/express ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "tools: npm ci"
  npm ci --no-audit --no-fund
fi
if [ ! -x "$GOBIN/mailpit" ] && ! command -v mailpit >/dev/null; then
  echo "tools: go install mailpit (about a minute)"
  go install github.com/axllent/mailpit@v1.33.1
fi
if [ ! -x "$GOBIN/aws-lambda-rie" ] && ! command -v aws-lambda-rie >/dev/null; then
  echo "tools: go install aws-lambda-rie"
  go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
fi
# Toxiproxy for the mailer's fault test; its command is named "server", so
# it is built into a folder of its own and renamed.
if [ ! -x "$GOBIN/toxiproxy-server" ] && ! command -v toxiproxy-server >/dev/null; then
  echo "tools: go install toxiproxy-server"
  tmp="$(mktemp -d)"
  GOBIN="$tmp" go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0
  mkdir -p "$GOBIN"
  mv "$tmp/server" "$GOBIN/toxiproxy-server"
  rmdir "$tmp"
fi
# staticcheck for `make lint`, at this version (a different one on PATH is
# replaced in GOBIN, which the Makefile puts first on PATH).
STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2
if ! "$GOBIN/staticcheck" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"; then
  echo "tools: go install staticcheck@$STATICCHECK_VERSION"
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
# Chromium for the browser tests; a CJK font so the Chinese pages render in
# the screenshots.
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "tools: apt-get install chromium fonts-wqy-zenhei"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
fi
echo "tools: ready"
