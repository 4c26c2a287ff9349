"""A least-recently-used cache of finished answers, bounded in entries and in bytes.

A repeated request for the same drawing (program, format, step) is answered from here
without tracing or drawing again; errors are never cached (they are exceptions, not bytes).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Hashable

MAX_ENTRIES = 256                   # answers kept
MAX_BYTES = 64 * 2**20              # bytes kept over all answers
MAX_ENTRY_BYTES = 8 * 2**20         # a bigger answer is not kept


class AnswerCache:
    """`get` and `put` bytes by key; the least recently used go first when over a bound."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES,
                 max_entry_bytes: int = MAX_ENTRY_BYTES) -> None:
        self.max_entries, self.max_bytes, self.max_entry_bytes = max_entries, max_bytes, max_entry_bytes
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        value = self._items.get(key)
        if value is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: Hashable, value: bytes) -> None:
        if len(value) > self.max_entry_bytes:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= len(old)
        self._items[key] = value
        self.bytes += len(value)
        while len(self._items) > self.max_entries or self.bytes > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self.bytes -= len(dropped)

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)
