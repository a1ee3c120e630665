"""Each feature declares its periodic work; jobs/cron.py, the file `rq cron` loads, collects it."""
import fakeredis
from rq.cron import CronScheduler


def test_cron_config_declares_every_periodic_job():
    scheduler = CronScheduler(connection=fakeredis.FakeRedis())
    scheduler.load_config_from_file("jobs/cron.py")
    jobs = {job.func.__name__: job for job in scheduler.get_jobs()}
    assert jobs["relay_outbox"].interval == 60
    assert jobs["send_reminders"].interval == 15 * 60
    assert jobs["sweep_minute"].interval == 60  # codes and bookings waiting for a code
    assert jobs["enqueue_nightly_sweep"].cron == "30 1 * * *"  # UTC: 02:30 or 03:30 in Oslo
    assert all(job.job_options["failure_ttl"] == 7 * 24 * 3600 for job in jobs.values())
