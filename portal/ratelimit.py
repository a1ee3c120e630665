"""Counting attempts before the work they guard: atomic in Redis, keyed without personal data.

Flask-Limiter's decorators guard whole routes by IP. What needs a decision inside a view (a
password guess for one account, an e-mail to one address) is counted here, in the same storage
(RATELIMIT_STORAGE_URI, Redis in production):

- `hit()` adds the attempt first and answers from the new count (Redis INCR and EXPIRE in one
  Lua script), so requests sent at the same moment cannot all pass a check made before any of
  them is counted;
- keys never hold what a person typed: `keyed_hash()` names an address or id by an HMAC with
  SECRET_KEY, so reading Redis tells nothing about who tried what;
- when the storage cannot be reached, each process counts in its own memory and says so in the
  log: logins and e-mails keep working and stay limited, per process, until Redis is back.
"""
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from redis import RedisError

from portal.extensions import limiter

_fallback = FixedWindowRateLimiter(MemoryStorage())


@dataclass(frozen=True)
class Count:
    allowed: bool
    retry_at: datetime | None  # refused: when the window ends (UTC, aware), to tell the person


def keyed_hash(purpose, value):
    """A stable, keyed name for a personal value (an address, an id) in a storage key."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.digest(key, f"{purpose}\0{value}".encode(), hashlib.sha256).hex()[:32]


def _primary():
    storage = limiter.storage
    found = current_app.extensions.get("portal_ratelimit")
    if found is None or found.storage is not storage:
        found = FixedWindowRateLimiter(storage)
        current_app.extensions["portal_ratelimit"] = found
    return found


def _storage_errors():
    errors = limiter.storage.base_exceptions
    return (RedisError, ConnectionError, TimeoutError) + (
        errors if isinstance(errors, tuple) else (errors,))


def _with_storage(work):
    try:
        return work(_primary())
    except _storage_errors() as exc:
        current_app.logger.warning("rate-limit storage unreachable (%s); counting in this "
                                   "process only", type(exc).__name__)
        return work(_fallback)


def hit(limit, *key, cost=1):
    """Count `cost` attempts now, before doing what they ask; `allowed` while within `limit`.

    `limit` is a string like "5 per 15 minutes"; `key` parts name what is counted (use
    `keyed_hash` for anything a person typed). The window starts at the first attempt.
    """
    item = parse(limit)

    def count(strategy):
        if strategy.hit(item, *key, cost=cost):
            return Count(True, None)  # one round trip to Redis when allowed
        reset, _ = strategy.get_window_stats(item, *key)
        return Count(False, datetime.fromtimestamp(reset, UTC))
    return _with_storage(count)


def clear(limit, *key):
    """Forget the attempts counted under this limit and key."""
    item = parse(limit)
    _with_storage(lambda strategy: strategy.clear(item, *key))
    _fallback.clear(item, *key)


def forget_keys(fragments):
    """Remove every counter whose key names one of these fragments (a keyed hash of a person's
    address, or "documents-upload/<person id>"): an erasure leaves no key naming them. One scan
    whatever the number of fragments. Raises when Redis cannot be reached, so that the caller
    can finish later; this process's own fallback counts go too."""
    wanted = {f for f in fragments if f}
    if not wanted:
        return
    for store in (limiter.storage, _fallback.storage):
        keys = getattr(store, "storage", None)
        if hasattr(keys, "scan_iter"):  # Redis (the per-process fallback is memory)
            doomed = [k for k in keys.scan_iter(count=1000) if _names_any(k, wanted)]
            for start in range(0, len(doomed), 500):
                keys.delete(*doomed[start:start + 500])
        elif isinstance(keys, dict):
            for table in (keys, getattr(store, "expirations", {})):
                for key in [k for k in table if _names_any(k, wanted)]:
                    table.pop(key, None)


def _names_any(key, wanted):
    parts = (key.decode() if isinstance(key, bytes) else key).split("/")
    return (any(p in wanted for p in parts)
            or any(f"{a}/{b}" in wanted for a, b in zip(parts, parts[1:])))
