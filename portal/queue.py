"""Redis and the RQ queue. Enqueueing never raises: the outbox relay retries what failed."""
import redis
from flask import current_app
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job

FAILURE_TTL = 7 * 24 * 3600  # failed jobs carry ids only, and not for a year


def redis_connection(app=None):
    """The app's Redis client, created once per app."""
    app = app or current_app
    conn = app.extensions.get("portal_redis")
    if conn is None:
        conn = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=2,
                                    socket_connect_timeout=1)
        app.extensions["portal_redis"] = conn
    return conn


def get_queue(app=None):
    app = app or current_app
    return Queue(app.config["RQ_QUEUE"], connection=redis_connection(app))


def redis_ok(app=None):
    try:
        return bool(redis_connection(app).ping())
    except redis.RedisError:
        return False


WAITING = ("queued", "started", "scheduled", "deferred")


def enqueue(func, *args, job_id=None, app=None, first=False):
    """Enqueue a job by dotted name with plain arguments; None when Redis is unreachable.

    With a job_id there is at most one waiting job of that id: a job still waiting is left
    alone, a finished or failed one (its worker died, its retries ran out) is replaced.
    `first` says the id is new (a row just written), so there is no earlier job to look for;
    if there is one after all, the job is not enqueued and the relay sees to it later.
    """
    app = app or current_app
    try:
        if job_id is not None and not first:
            try:
                old = Job.fetch(job_id, connection=redis_connection(app))
            except NoSuchJobError:
                old = None
            if old is not None:
                if old.get_status(refresh=False) in WAITING:
                    return None
                old.delete()
        return get_queue(app).enqueue(
            func, *args, job_id=job_id, unique=job_id is not None,
            retry=Retry(max=5, interval=[10, 30, 60, 300, 900]),
            failure_ttl=FAILURE_TTL, result_ttl=3600)
    except DuplicateJobError:
        return None  # already waiting in the queue: one effect
    except redis.RedisError as exc:
        app.logger.warning("could not enqueue %s (%s); the outbox relay will retry", func,
                           type(exc).__name__)
        return None
