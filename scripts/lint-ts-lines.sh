#!/usr/bin/env bash
# The TypeScript line-length check of the lint step (scripts/test.sh, npm run lint; issue 24): no line of a
# tracked *.ts file over 160 characters. Prettier wraps code at 120 but never splits a string, a template literal
# or a comment: those are wrapped by hand (a message split with +, SQL built from named pieces or an array of
# its lines joined with '\n'). Exit 1 when a line is over, naming file:line.
set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAX_LINE=160
cd "$REPO_DIR"

# Characters, not bytes (a comment may hold a '§' or '−'): grep's '.' in a UTF-8 locale, as lint-py-go.sh does for Go.
out="$(git ls-files -z -- '*.ts' | xargs -0 -r env LC_ALL=C.UTF-8 grep -nHE ".{$((MAX_LINE + 1))}" | cut -d: -f1,2)"
if [[ -z "$out" ]]; then
  echo "[lint-ts-lines] ok    no line over $MAX_LINE characters in the TypeScript" >&2
else
  echo "[lint-ts-lines] FAIL  TypeScript lines over $MAX_LINE characters:" >&2
  printf '%s\n' "$out" | sed 's/^/    /' >&2
  echo "[lint-ts-lines]       fix: wrap them by hand (split a string with +, build SQL from named pieces or joined lines)" >&2
  exit 1
fi
