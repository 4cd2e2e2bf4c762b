"""Outgoing rate limiting: a token bucket shared by every session of the process.

Callers wait for a token rather than fail; a caller that would wait longer than ``max_wait``
gets RATE_LIMIT_EXCEEDED at once (it is told how long to back off).
"""

from __future__ import annotations

import asyncio
import time

from jira_mcp.errors import RateLimitError

__all__ = ["TokenBucket"]


class TokenBucket:
    def __init__(self, max_requests: int, window_seconds: float, *, max_wait: float = 30.0) -> None:
        self.capacity = float(max_requests)
        self.rate = max_requests / window_seconds  # tokens per second
        self.max_wait = max_wait
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self) -> float:
        """Take one token, waiting if needed. Returns the seconds waited."""
        async with self._lock:
            now = time.monotonic()
            self._refill(now)
            self._tokens -= 1  # reserve now; a negative balance is the queue ahead of us
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            if wait > self.max_wait:
                self._tokens += 1
                raise RateLimitError(
                    f"the outgoing Jira rate limit (RATE_LIMIT_MAX_REQUESTS) is saturated; retry in about {wait:.0f}s",
                    retry_after=wait,
                )
        if wait > 0:
            await asyncio.sleep(wait)
        return wait
