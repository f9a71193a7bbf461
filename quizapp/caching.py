"""A per-process cache of results derived from the database (reports, statistics).

Callers put a *fingerprint* of the underlying data in every key: a cheap query that changes
whenever the result could (how many attempts are finished, when the latest answer was graded).
So an entry is never stale, servers need not share or invalidate anything, and each server
computes a given result once per change of the data instead of on every request.
"""

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from cachetools import LRUCache
from flask import Flask, current_app

T = TypeVar("T")
EXTENSION_KEY = "quizapp.results"


class ResultCache:
    """A thread-safe LRU map from keys to computed results."""

    def __init__(self, maxsize: int):
        self._entries: LRUCache = LRUCache(maxsize)
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                return self._entries[key]
        value = compute()  # outside the lock: a slow report must not hold up other threads
        with self._lock:
            self._entries[key] = value
        return value

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = ResultCache(app.config["RESULT_CACHE_SIZE"])


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its earlier result for the same key, from this app's cache."""
    return current_app.extensions[EXTENSION_KEY].get(key, compute)
