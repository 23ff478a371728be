"""A client's Spark Connect token (token= of its URL, issue 21: the Kubernetes server's client authentication)
never appears in the runner's own messages. No Spark needed: the refusal comes before any session."""

import pytest

from summary_runner.__main__ import _run, redact_remote
from summary_runner.errors import ConfigError

TOKEN = "0123456789abcdef0123456789abcdef"


def test_redact_remote_hides_the_token_and_keeps_the_rest():
    assert redact_remote(f"sc://summary-spark-connect:15002/;use_ssl=true;token={TOKEN}") == ("sc://summary-spark-connect:15002/;use_ssl=true;token=***")
    assert redact_remote(f"sc://h:15002/;token={TOKEN};user_id=runner") == "sc://h:15002/;token=***;user_id=runner"
    assert redact_remote("sc://127.0.0.1:15002") == "sc://127.0.0.1:15002"


def test_a_refused_job_uri_names_the_server_without_its_token(tmp_path):
    engine = {"remote": f"sc://summary-spark-connect:15002/;use_ssl=true;token={TOKEN}"}
    with pytest.raises(ConfigError) as refused:
        _run(engine, "s3://bucket/jobs/job.json", str(tmp_path / "result.json"), None)
    assert "sc://summary-spark-connect:15002/;use_ssl=true;token=***" in str(refused.value)
    assert TOKEN not in str(refused.value)
