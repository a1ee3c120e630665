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
