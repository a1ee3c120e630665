"""A worker and `rq cron` start from a job's name, in a fresh process, not from the app.

Tests run jobs in-process with the portal already imported; an import cycle between a feature's
cron declaration and its job module only shows when the job module is imported first.
"""
import subprocess
import sys
from pathlib import Path

import pytest

from portal.features import cron_entries
from portal.mail.actions import SEND_JOB

ROOT = Path(__file__).resolve().parent.parent
JOBS = sorted({f"{job.__module__}.{job.__name__}" for job, _ in cron_entries()} | {SEND_JOB})


@pytest.mark.parametrize("name", JOBS)
def test_a_fresh_worker_can_import_every_job(name):
    result = subprocess.run(
        [sys.executable, "-c", f"from rq.utils import import_attribute; import_attribute({name!r})"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_rq_cron_loads_its_configuration_in_a_fresh_process():
    code = ("import fakeredis; from rq.cron import CronScheduler; "
            "s = CronScheduler(connection=fakeredis.FakeRedis()); "
            "s.load_config_from_file('jobs/cron.py'); print(len(s.get_jobs()))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip().splitlines()[-1]) == len(cron_entries())


# What a web worker does not need until a person uses it: each is megabytes of resident memory
# in every worker (issue 11: a worker's peak before its first password check under 80 MB).
LOADED_ON_USE = {"PIL": "a photo is uploaded", "jsonschema": "a copy of one's data is built",
                 "segno": "staff set up their second factor",
                 "cryptography.hazmat.primitives.ciphers.aead": "a document is stored or read"}


def test_a_web_worker_loads_heavy_libraries_only_when_they_are_used():
    code = ("import sys, app; "
            f"print(sorted(m for m in {sorted(LOADED_ON_USE)!r} if m in sys.modules))")
    env = {"PATH": "/usr/bin:/bin", "PORTAL_ENV": "production", "SECRET_KEY": "k" * 64,
           "BASE_URL": "https://ressursbasen.no", "DOCUMENT_KEYS": "", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]", (
        "loaded at start: " + result.stdout + "; import them where they are used: "
        + ", ".join(f"{m} when {why}" for m, why in LOADED_ON_USE.items()))
