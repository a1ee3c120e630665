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
