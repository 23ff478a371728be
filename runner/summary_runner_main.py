"""EMR on EKS entry point (sparkSubmitJobDriver.entryPoint): spark-submit runs this file, and the
summary_runner package comes from `--py-files summary_runner.zip` (docs/emr-on-eks.md).

    spark-submit --py-files summary_runner.zip summary_runner_main.py run --engine-json '{...}' --job s3://... --result s3://...
"""

import sys

from summary_runner.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
