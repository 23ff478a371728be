#!/usr/bin/env bash
# The line-length check of the lint step (scripts/test.sh, npm run lint; issue 24): no line of a tracked
# text file over 160 characters, whatever its language (TypeScript, shell, JSON, YAML, Markdown, Avro,
# Dockerfiles, ...), except the generated fixtures and the exceptions listed below, each with its reason.
# Prettier wraps code at 120 but never splits a string, a template literal or a comment, and nothing wraps
# the other files: those lines are wrapped by hand. Also counted by ruff (E501, Python) and lint-py-go.sh (Go).
#   - Characters, not bytes (a '§', '—' or '─' is one): grep's '.' in a UTF-8 locale.
#   - Binary files are skipped (grep -I: a NUL byte or bytes that are not UTF-8; the bench charts).
#   - Markdown table rows (a line whose first non-blank character is '|') are not counted: a row cannot be
#     continued on the next line, and prettier does not format the documents (.prettierignore).
# Exit 1 when a line is over, naming file:line.
set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAX_LINE=160
cd "$REPO_DIR"

# Generated fixtures (git pathspecs): written by a tool and compared or quoted as recorded, never by hand.
GENERATED=(
  'bench/results/**'                # bench/ writes them; the documents quote them as recorded
  'contracts/**/*.fixture.*'        # recorded events: the .avro.hex is one line of hex (record-fixtures.ts)
  'libs/compiler/src/__golden__/**' # golden SQL: the compiler's output, compared byte for byte (golden.spec.ts)
  'package-lock.json'               # npm's
  'k8s/base/prometheusrule.yaml'    # written from deploy/prometheus/alerts.yaml by check-deploy.sh --write-rule
)

# Published Avro schema versions whose "doc" strings run over the limit (a JSON string cannot be wrapped).
# The services register the JSON of the current version, docs included (libs/contracts EventCodec.register),
# and a registry knows a schema by that text: a shorter doc in a current version would register a new schema
# version under a new id in every registry holding the old one, and the earlier versions are the texts the
# registries already hold. A schema changes by its next version (vN+1.avsc), which this check does count:
# keep its docs short, the longer story in docs/ or the commit.
PUBLISHED=(
  contracts/batch-completed/v1.avsc
  contracts/batch-completed/v2.avsc
  contracts/batch-completed/v3.avsc
  contracts/case-batch-planned/v2.avsc
  contracts/case-batch-planned/v3.avsc
  contracts/case-batch-planned/v4.avsc
  contracts/watermark-advanced/v2.avsc
)

# Single lines allowed over the limit, as "FILE REGEX": a line of FILE that the ERE matches. Each with its reason;
# an entry that matches nothing any more is reported, to be dropped.
ALLOWED_LINES=(
  # A kustomize env file (configMapGenerator envs:, the dispatcher's envFrom): one KEY=VALUE a line, no
  # continuation. The values are one spark-submit argument string and one JSON engine document; check:deploy
  # reads them from this file too (node-checks emr-env, deploy-check images and principals -env).
  'k8s/overlays/prod/emr.env ^EMR_SPARK_SUBMIT_PARAMETERS(_[A-Z_]+)?='
  'k8s/overlays/prod/emr.env ^EMR_ENGINE_CONFIG='
  # The production config's mapper SQL: the config takes mapper_expr as one JSON string (libs/config), which
  # cannot span lines, and rewording the SQL would change the compiled jobs.
  'k8s/overlays/prod/pipeline-config.json ^ *"mapper_expr": "CASE WHEN days_past_due <= -1 THEN '
  # A panel's description (its tooltip): one JSON string, and no shorter wording keeps all it says (the
  # outcomes, batch-completed, SPEC §4b, 0 without the table).
  'deploy/grafana/dashboards/pipeline-overview.json ^ *"description": "Report-date rows read, rejected and waiting '
)

excludes=()
for path in "${GENERATED[@]}"; do excludes+=(":(exclude,glob)$path"); done
for path in "${PUBLISHED[@]}"; do excludes+=(":(exclude,literal)$path"); done

# file:line:text of every line over the limit, then the table rows and allowed lines taken out.
long="$(git ls-files -z -- . "${excludes[@]}" | xargs -0 -r env LC_ALL=C.UTF-8 grep -sInHE ".{$((MAX_LINE + 1))}")"
out="$(
  printf '%s\n' "${ALLOWED_LINES[@]}" | LC_ALL=C.UTF-8 awk '
    NR == FNR { i = index($0, " "); file[NR] = substr($0, 1, i - 1); re[NR] = substr($0, i + 1); n = NR; next }
    $0 == "" { next }
    {
      i = index($0, ":"); path = substr($0, 1, i - 1); rest = substr($0, i + 1)
      j = index(rest, ":"); line = substr(rest, 1, j - 1); text = substr(rest, j + 1)
      if (path ~ /\.md$/ && text ~ /^[ \t]*\|/) next
      for (k = 1; k <= n; k++) if (path == file[k] && text ~ re[k]) { used[k] = 1; next }
      print path ":" line
    }
    END {
      for (k = 1; k <= n; k++) if (!used[k])
        printf "[lint-lines] note  ALLOWED_LINES \"%s %s\" matches no long line any more: drop it\n", file[k], re[k] > "/dev/stderr"
    }
  ' - <(printf '%s\n' "$long")
)"

if [[ -z "$out" ]]; then
  echo "[lint-lines] ok    no line over $MAX_LINE characters in the tracked text files (generated fixtures and listed exceptions aside)" >&2
else
  echo "[lint-lines] FAIL  lines over $MAX_LINE characters:" >&2
  printf '%s\n' "$out" | sed 's/^/    /' >&2
  {
    echo "[lint-lines]       fix: wrap them by hand: TypeScript, split a string with + or build SQL from named pieces or"
    echo "[lint-lines]            joined lines; shell and Dockerfiles, '\\' continuations, arrays or a message in pieces;"
    echo "[lint-lines]            Markdown, re-wrap the paragraph; JSON, a shorter wording or a comment in more entries."
    echo "[lint-lines]            A line that cannot be wrapped (a generated fixture, a value one line by its format) goes in"
    echo "[lint-lines]            the lists of scripts/lint-lines.sh, with its reason"
  } >&2
  exit 1
fi
