"""What a process keeps between requests: a small map that forgets the least recently used
entry when full. Callers put the versions an entry was made from into its key or value, so
that nothing kept outlives the data it came from."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable


class Kept:
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
