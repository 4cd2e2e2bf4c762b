"""The response cache behind a small interface, with an in-memory TTL + LRU backend.

Keys are built by the client from the credentials' identity and the request, so two accounts never
share an entry. Invalidation is by path prefix (an issue update drops everything under that issue).
A shared backend (Redis) can replace :class:`MemoryCache` by implementing :class:`CacheBackend`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any, Protocol

__all__ = ["CacheBackend", "MemoryCache"]


class CacheBackend(Protocol):
    def get(self, key: tuple[str, str, str]) -> Any | None: ...
    def set(self, key: tuple[str, str, str], value: Any, ttl: float) -> None: ...
    def invalidate_prefix(self, path_prefix: str) -> int: ...
    def clear(self) -> None: ...
    def __len__(self) -> int: ...


class MemoryCache:
    """Bounded (LRU) in-memory cache with per-entry expiry. Keys: (identity, path, query)."""

    def __init__(self, max_entries: int = 5000, clock: Any = time.monotonic) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._data: OrderedDict[tuple[str, str, str], tuple[float, Any]] = OrderedDict()

    def get(self, key: tuple[str, str, str]) -> Any | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, value = item
        if expires < self._clock():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return value

    def set(self, key: tuple[str, str, str], value: Any, ttl: float) -> None:
        self._data[key] = (self._clock() + ttl, value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def invalidate_prefix(self, path_prefix: str) -> int:
        doomed = [k for k in self._data if k[1] == path_prefix or k[1].startswith(path_prefix.rstrip("/") + "/")]
        for key in doomed:
            del self._data[key]
        return len(doomed)

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
