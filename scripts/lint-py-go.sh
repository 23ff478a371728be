#!/usr/bin/env bash
# The Python and Go half of the lint step (scripts/test.sh, npm run lint; issue 24):
#   ruff check           runner/ and bench/ against ruff.toml (pyflakes, pycodestyle with lines <= 160, import order, bugbear)
#   ruff format --check  runner/ and bench/ formatted as `ruff format` writes them
#   gofmt -l             tools/ formatted as gofmt writes it
#   line length          no line of tools/'s Go over 160 characters (gofmt does not wrap; ruff's E501 does this for Python)
# Ruff is the one pinned in runner/requirements-test.txt, from the toolchain venv (scripts/setup-toolchain.sh);
# gofmt is the Go toolchain's that builds tools/deploy-check. Every check runs; each failure names its files and
# the command that fixes it. Exit 1 if any failed, 2 if a tool is missing.
set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN_DIR="${TOOLCHAIN_DIR:-$REPO_DIR/.toolchain}"
RUFF="$TOOLCHAIN_DIR/venv/bin/ruff"
PYTHON_DIRS=(runner bench)
GO_DIR=tools
MAX_LINE=160
cd "$REPO_DIR"

log() { echo "[lint-py-go] $*" >&2; }

[[ -x "$RUFF" ]] || { log "ERROR: $RUFF not found; run scripts/setup-toolchain.sh (it installs ruff from runner/requirements-test.txt)"; exit 2; }
command -v go >/dev/null 2>&1 || { log "ERROR: go not found on PATH; expected the Go that builds tools/deploy-check (Go >= 1.25)"; exit 2; }
GOFMT="$(GOTOOLCHAIN=local go env GOROOT)/bin/gofmt"
[[ -x "$GOFMT" ]] || { log "ERROR: $GOFMT not found beside $(command -v go)"; exit 2; }

failed=0
fail() { # fail WHAT FIX OUTPUT
  log "FAIL  $1"
  printf '%s\n' "$3" | sed 's/^/    /' >&2
  log "      fix: $2"
  failed=1
}

if out="$("$RUFF" check --no-fix --output-format concise "${PYTHON_DIRS[@]}" 2>&1)"; then
  log "ok    ruff check ${PYTHON_DIRS[*]}"
else
  fail "ruff check ${PYTHON_DIRS[*]}: these findings" \
    "$RUFF check --fix ${PYTHON_DIRS[*]}, then the rest by hand (or ignore a rule that fights the house style in ruff.toml, with its reason)" "$out"
fi

if out="$("$RUFF" format --check "${PYTHON_DIRS[@]}" 2>&1)"; then
  log "ok    ruff format --check ${PYTHON_DIRS[*]}"
else
  fail "ruff format --check ${PYTHON_DIRS[*]}: these files are not formatted" "$RUFF format ${PYTHON_DIRS[*]}" "$out"
fi

# gofmt -l exits 0 even when it lists files: the list is the verdict.
out="$("$GOFMT" -l "$GO_DIR" 2>&1)"
status=$?
if [[ $status -eq 0 && -z "$out" ]]; then
  log "ok    gofmt -l $GO_DIR"
else
  fail "gofmt -l $GO_DIR: these files are not formatted" "$GOFMT -w $GO_DIR" "$out"
fi

# Characters, not bytes (a comment may hold a '→'), as ruff's E501 counts them: grep's '.' in a UTF-8 locale.
out="$(git ls-files -z -- "$GO_DIR/*.go" | xargs -0 -r env LC_ALL=C.UTF-8 grep -nHE ".{$((MAX_LINE + 1))}" | cut -d: -f1,2)"
if [[ -z "$out" ]]; then
  log "ok    no line over $MAX_LINE characters in the Go of $GO_DIR/"
else
  fail "Go lines over $MAX_LINE characters" "wrap them by hand (gofmt keeps a wrapped argument list or a string split with +)" "$out"
fi

exit $failed
