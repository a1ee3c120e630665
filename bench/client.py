"""A small HTTP client for the bench: browsers with cookies, and many of them at once.

Standard library only (http.client and threads): each thread is one browser with its own
connection, so the server sees as many clients at a time as there are threads.
"""
import http.client
import re
import threading
import time
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Response:
    def __init__(self, status, headers, body, wire_bytes):
        self.status = status
        self.headers = headers
        self.body = body  # as sent: still compressed when the server compressed it
        self.wire_bytes = wire_bytes  # status line, headers and body, as they crossed the wire
        self.cookies = {}  # set by this answer

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


class Browser:
    """One visitor: its cookies and its keep-alive connection to the server."""

    def __init__(self, port, cookies=None, headers=None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})
        self._conn = None

    def _connection(self):
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return self._conn

    def request(self, method, path, form=None, headers=None, cookies=None, keep_cookies=True):
        """Send one request; `cookies` instead of the browser's own for this one, and
        keep_cookies=False leaves the browser's cookies as they were."""
        body = urlencode(form).encode() if form is not None else None
        sent = {**self.headers, **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        jar = self.cookies if cookies is None else cookies
        if jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=sent)
                raw = conn.getresponse()
                data = raw.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A worker closed the connection (gunicorn's sync workers do after each
                # answer): open a new one and send again.
                conn.close()
                self._conn = None
                if attempt:
                    raise
        if raw.will_close:
            conn.close()
            self._conn = None
        header_bytes = len(f"HTTP/1.1 {raw.status} {raw.reason}\r\n") + sum(
            len(f"{k}: {v}\r\n") for k, v in raw.getheaders()) + 2
        response = Response(raw.status, raw.headers, data, header_bytes + len(data))
        for cookie in raw.headers.get_all("Set-Cookie") or ():
            name, _eq, rest = cookie.partition("=")
            response.cookies[name.strip()] = rest.split(";", 1)[0]
        if keep_cookies:
            self.cookies.update(response.cookies)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, form, **kwargs):
        return self.request("POST", path, form=form, **kwargs)

    def csrf_token(self, path="/book"):
        """Visit a page and keep its session cookie; the form's CSRF token."""
        page = self.get(path)
        if page.status != 200:
            raise RuntimeError(f"GET {path} answered {page.status}")
        return CSRF.search(page.text).group(1)

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def run_concurrently(browsers, work, items=None, seconds=None):
    """Let each browser in its own thread call work(browser, item) until the items run out (or,
    without items, for `seconds`); returns (answers, elapsed seconds).

    Every answer is (item, Response).
    """
    lock = threading.Lock()
    pending = iter(items) if items is not None else None
    answers = []
    errors = []
    deadline = None

    def next_item():
        with lock:
            if pending is not None:
                return next(pending, StopIteration)
            return None if time.perf_counter() < deadline else StopIteration

    def loop(browser):
        try:
            while (item := next_item()) is not StopIteration:
                response = work(browser, item)
                with lock:
                    answers.append((item, response))
        except Exception as exc:  # reported after the run, not lost in a thread
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(b,)) for b in browsers]
    start = time.perf_counter()
    deadline = start + (seconds or 0)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return answers, elapsed
