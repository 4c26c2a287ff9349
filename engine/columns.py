"""Records held as columns: one list per field instead of one dict per record.

A big program's node records (100,000 of them) cost more to make as dicts, and then to take
apart again into the packed document's columns (engine/packed.py), than the numbers they hold.
`Columns` keeps them as the lists the packed document writes; whoever reads them as records
(`len`, an index, iteration) gets each record made when asked.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator


class Columns:
    """`fields`: each field's values, one per row, in the records' field order."""

    __slots__ = ("fields", "rows")

    def __init__(self, fields: dict[str, list[Any]]) -> None:
        self.fields = fields
        self.rows = len(next(iter(fields.values()))) if fields else 0

    @classmethod
    def of(cls, records: Any, names: Iterable[str]) -> Columns:
        """The fields `names` of `records` (a list of dicts: a missing field is None, as
        `dict.get` reads it; or Columns, which must have them)."""
        if isinstance(records, Columns):
            return cls({k: records.fields[k] for k in names})
        return cls({k: [r.get(k) for r in records] for k in names})

    def records(self) -> list[dict[str, Any]]:
        names = tuple(self.fields)
        return [dict(zip(names, row)) for row in zip(*self.fields.values())]

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return self.records()[i]
        return {k: v[i] for k, v in self.fields.items()}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records())
