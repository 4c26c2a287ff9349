"""A least-recently-used cache of finished answers, bounded in entries and in bytes.

A repeated request for the same drawing (program, format, step) is answered from here
without tracing or drawing again; errors are never cached (they are exceptions, not bytes).
A request is kept as the SHA-256 digest of its canonical JSON form, never as its text, so
an entry costs its answer plus a fixed amount, and the byte bound covers both.
"""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

MAX_ENTRIES = 256                   # answers kept
MAX_BYTES = 64 * 2**20              # bytes kept over all answers, keys and bookkeeping included
MAX_ENTRY_BYTES = 8 * 2**20         # a bigger answer is not kept
ENTRY_OVERHEAD_BYTES = 256          # one entry's digest, bytes header and ordered-dict node


def digest(key: Any) -> bytes:
    """The SHA-256 of ``key``'s canonical JSON (lists, strings, numbers, None; lone surrogates kept)."""
    text = json.dumps(key, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class AnswerCache:
    """`get` and `put` bytes by key; the least recently used go first when over a bound."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES,
                 max_entry_bytes: int = MAX_ENTRY_BYTES) -> None:
        self.max_entries, self.max_bytes, self.max_entry_bytes = max_entries, max_bytes, max_entry_bytes
        self._items: OrderedDict[bytes, bytes] = OrderedDict()
        self.bytes = 0                  # answers plus ENTRY_OVERHEAD_BYTES per entry
        self.hits = 0
        self.misses = 0

    def get(self, key: Any) -> bytes | None:
        k = digest(key)
        value = self._items.get(k)
        if value is None:
            self.misses += 1
            return None
        self._items.move_to_end(k)
        self.hits += 1
        return value

    def put(self, key: Any, value: bytes) -> None:
        if len(value) > self.max_entry_bytes:
            return
        k = digest(key)
        old = self._items.pop(k, None)
        if old is not None:
            self.bytes -= len(old) + ENTRY_OVERHEAD_BYTES
        self._items[k] = value
        self.bytes += len(value) + ENTRY_OVERHEAD_BYTES
        while len(self._items) > self.max_entries or self.bytes > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self.bytes -= len(dropped) + ENTRY_OVERHEAD_BYTES

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)
