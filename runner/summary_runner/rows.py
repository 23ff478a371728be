"""Rows -> JSON, the same way everywhere (collect steps, query, export).

Spark itself renders each row with to_json, so dates are `YYYY-MM-DD`, timestamps
`YYYY-MM-DD HH:MM:SS` in the session time zone (UTC), arrays are arrays with nulls kept, nulls are
kept as null, BIGINT and DECIMAL are JSON numbers. Doing it in Spark (not in Python from Row
objects) keeps one definition of the format and lets `export` stream text without Python
conversions.
"""

from __future__ import annotations

import json
import os
import tempfile

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from .errors import TooManyRowsError

JSON_OPTIONS = {
    "timestampFormat": "yyyy-MM-dd HH:mm:ss",
    "timestampNTZFormat": "yyyy-MM-dd HH:mm:ss",
    "dateFormat": "yyyy-MM-dd",
    # Also set session-wide (session.FIXED_CONF); repeated here so the format never depends on it.
    "ignoreNullFields": "false",
}


def as_json_text(df: DataFrame) -> DataFrame:
    """One string column `json`, one JSON object per row, in the DataFrame's order."""
    return df.select(F.to_json(F.struct(F.col("*")), JSON_OPTIONS).alias("json"))


def collect_json(df: DataFrame, max_rows: int, what: str) -> list[dict]:
    """All rows as dicts; raises TooManyRowsError when there are more than max_rows.

    Fetches max_rows + 1 rows so that a too-big result is detected without collecting it.
    """
    texts = as_json_text(df).limit(max_rows + 1).collect()
    if len(texts) > max_rows:
        raise TooManyRowsError(f"{what} returned more than maxRows={max_rows} rows; raise maxRows or narrow the query")
    return [json.loads(row.json) for row in texts]


def export_jsonl(df: DataFrame, path: str) -> int:
    """Writes the rows as JSON lines to `path` (in query order) and returns how many were written.

    Streams partition by partition (toLocalIterator) so a big table never sits in driver memory;
    writes a temp file beside `path` and renames it, so a failed export leaves no partial file.
    """
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    count = 0
    fd, tmp_path = tempfile.mkstemp(prefix=".export-", suffix=".jsonl.tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for row in as_json_text(df).toLocalIterator():
                out.write(row.json)
                out.write("\n")
                count += 1
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise
    return count
