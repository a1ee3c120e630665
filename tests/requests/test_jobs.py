"""The request row is the durable record: with Redis down nothing is lost, the relay queues the
copy once Redis is back, a real worker builds it, and a second run changes nothing."""
from datetime import timedelta

from rq import SimpleWorker

from jobs.requests import build_access_export, relay_exports
from portal.db import utcnow
from portal.requests import actions
from portal.requests.models import AccessExport, PrivacyRequest
from tests.factories import make_person


def test_a_copy_asked_while_redis_is_down_is_built_once_it_is_back(app, db, queue, outbox):
    good_url = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions.pop("portal_redis", None)
    asked = actions.ask_as_candidate(make_person(), "access", "", "nb")
    export = AccessExport.get()
    assert (PrivacyRequest.get_by_id(asked.id).status, export.status) == ("verified", "queued")
    app.config["REDIS_URL"] = good_url
    app.extensions.pop("portal_redis", None)
    AccessExport.update(created_at=utcnow() - timedelta(minutes=1)).execute()
    assert relay_exports() == 1
    assert relay_exports() == 0  # already waiting: one job
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    export = AccessExport.get()
    assert export.status == "ready" and export.released_at is not None
    assert build_access_export(export.id) is False  # run twice: nothing more happens
    assert AccessExport.get().storage_id == export.storage_id


def test_a_build_a_worker_died_in_is_run_again(app, db, queue):
    actions.ask_as_candidate(make_person(), "access", "", "nb")
    AccessExport.update(status="building", started_at=utcnow() - timedelta(hours=1),
                        attempts=1).execute()
    queue.connection.flushdb()  # the job is gone with the worker
    assert relay_exports() == 1
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert AccessExport.get().status == "ready"


def test_a_copy_of_a_request_denied_meanwhile_is_not_built(app, db, queue):
    from tests.factories import make_user
    person = make_person()
    asked = actions.ask_as_candidate(person, "access", "", "nb")
    actions.deny(asked, make_user("staff"), PrivacyRequest.get_by_id(asked.id).version,
                 "Vi tviler på identiteten.")
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    export = AccessExport.get()
    assert export.status == "expired" and export.storage_id is None
