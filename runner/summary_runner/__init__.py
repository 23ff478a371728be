"""Executes compiled summary-pipeline jobs (docs/compiled-job-format.md) on Spark + Iceberg."""

__version__ = "0.1.0"
