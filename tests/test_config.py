"""Development secrets in instance/ are made once, whole, even when processes start together."""
import threading

from portal.config import instance_secret


def test_secret_is_made_once_and_every_reader_sees_it_whole(tmp_path):
    path = tmp_path / "instance" / "document.key"
    calls = []

    def generate():
        calls.append(1)
        return "k" * 44

    seen = []
    start = threading.Barrier(16)

    def read():
        start.wait()
        seen.append(instance_secret(path, generate))

    threads = [threading.Thread(target=read) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == ["k" * 44] * 16
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(path.parent.iterdir()) == [path]  # no temporary files left behind
    assert instance_secret(path, lambda: "other") == "k" * 44


# --- Where links in e-mails point (BASE_URL) ----------------------------------------------------

import pytest  # noqa: E402

from portal import create_app  # noqa: E402
from portal.config import TestConfig  # noqa: E402


def _config(**values):
    return type("Config", (TestConfig,), values)


def test_development_links_follow_port_when_base_url_is_not_set(monkeypatch):
    monkeypatch.setenv("PORT", "5101")
    app = create_app(_config(BASE_URL=None, ENV_NAME="development"))
    assert app.config["BASE_URL"] == "http://127.0.0.1:5101"


def test_development_without_port_or_base_url_uses_5000(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    app = create_app(_config(BASE_URL=None, ENV_NAME="development"))
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"


def test_an_explicit_base_url_wins_over_port(monkeypatch):
    monkeypatch.setenv("PORT", "5101")
    app = create_app(_config(BASE_URL="https://ressursbasen.no/", ENV_NAME="development"))
    assert app.config["BASE_URL"] == "https://ressursbasen.no"


def test_production_refuses_to_start_without_base_url(monkeypatch):
    monkeypatch.setenv("PORT", "5101")
    with pytest.raises(RuntimeError, match="BASE_URL must be set in production"):
        create_app(_config(BASE_URL=None, ENV_NAME="production"))


@pytest.mark.parametrize("bad", ["ressursbasen.no", "ftp://ressursbasen.no", "https://", "javascript:alert(1)"])
def test_a_base_url_that_is_no_web_address_is_refused(bad):
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(_config(BASE_URL=bad, ENV_NAME="production"))
