"""A list whose first items are fetched only when something reads them (issue 11).

A tracker reopened from the state saved with its log (companion/trackstate.py) needs only the
fixes after that state to answer what the crew sees; the earlier ones (a week of 10 Hz fixes)
are wanted only by the rare reader of the whole history: an export, an entry typed in late
among them, an undo. `Deferred` stands for the whole list (its length, indices and order are the
full list's) while holding the tail; the head is fetched, once, by the caller's `fetch` the first
time an index in it is read or changed. The core does no IO: `fetch` is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableSequence, Sequence
from typing import TypeVar, cast, overload

from companion.core.fixcolumns import FixColumns
from companion.core.models import CompanionError

T = TypeVar("T")


class HeadChanged(CompanionError):
    """The fetched head is not the one the list stands for (its source changed meanwhile)."""


class Deferred(MutableSequence[T]):
    """`head_len` items to be fetched by `fetch()` (called at most once), then `tail`. With
    `peek(i)`, reading item i of the head costs that item only: the head is fetched only to be
    changed (or iterated from its start)."""

    __slots__ = ("_fetch", "_head_len", "_items", "_peek")

    def __init__(
        self,
        head_len: int,
        fetch: Callable[[], Sequence[T]],
        tail: Iterable[T] = (),
        peek: Callable[[int], T] | None = None,
    ) -> None:
        self._head_len = head_len
        self._fetch: Callable[[], Sequence[T]] | None = fetch if head_len else None
        self._peek = peek
        # The tail; the whole list once fetched. Columns (core/fixcolumns.py) are held as given.
        columns = isinstance(tail, FixColumns)
        self._items = cast("MutableSequence[T]", tail) if columns else list(tail)

    @property
    def fetched(self) -> bool:
        return self._fetch is None

    @property
    def head_len(self) -> int:
        """How many leading items are not fetched yet (0 once they are)."""
        return self._head_len

    @property
    def held(self) -> MutableSequence[T]:
        """The items held now: those from index `head_len` on (the whole list once fetched)."""
        return self._items

    def whole(self) -> MutableSequence[T]:
        """The whole list (fetched now if need be); changing it changes this one."""
        if self._fetch is not None:
            head = self._fetch()  # raising (the log unreadable), it is left unfetched
            if len(head) != self._head_len:
                raise HeadChanged(
                    f"the log's earlier rows changed while it was open ({len(head)} read, "
                    f"{self._head_len} expected): open the event again"
                )
            items = self._items
            if isinstance(head, FixColumns) and isinstance(items, FixColumns):
                # The tail after the head's columns (a slice assignment would build every fix
                # of both: a day of 10 Hz fixes' head read back held ~600 MB).
                for fix in items:
                    head.append(fix)
                self._items = cast("MutableSequence[T]", head)
            else:
                items[:0] = head
            self._head_len, self._fetch = 0, None
        return self._items

    def _tail_index(self, i: int) -> int | None:
        """`i` (of the whole list) as an index of the tail held, or None if it is in the head."""
        if i < 0:
            i += len(self)
        return i - self._head_len if i >= self._head_len else None

    def __len__(self) -> int:
        return self._head_len + len(self._items)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return list(self.whole()[i])
        j = self._tail_index(i)
        if j is not None:
            return self._items[j]
        if self._peek is not None and self._fetch is not None:
            k = i + len(self) if i < 0 else i
            if k < 0:
                raise IndexError("Deferred index out of range")
            return self._peek(k)
        return self.whole()[i]

    @overload
    def __setitem__(self, i: int, value: T) -> None: ...
    @overload
    def __setitem__(self, i: slice, value: Iterable[T]) -> None: ...
    def __setitem__(self, i: int | slice, value: T | Iterable[T]) -> None:
        if isinstance(i, slice):
            self.whole()[i] = value  # type: ignore[assignment]
            return
        j = self._tail_index(i)
        if j is not None:
            self._items[j] = value  # type: ignore[assignment]
        else:
            self.whole()[i] = value  # type: ignore[assignment]

    def __delitem__(self, i: int | slice) -> None:
        j = None if isinstance(i, slice) else self._tail_index(i)
        if j is not None:
            del self._items[j]
        else:
            del self.whole()[i]

    def insert(self, i: int, value: T) -> None:
        j = self._tail_index(i) if i < len(self) else len(self._items)
        if j is not None:
            self._items.insert(j, value)
        else:
            self.whole().insert(i, value)

    def append(self, value: T) -> None:
        self._items.append(value)

    def __iter__(self) -> Iterator[T]:
        return iter(self.whole())

    def __reversed__(self) -> Iterator[T]:
        """Newest first; the head is read (peeked or fetched) only if the reader goes on into it."""
        for k in range(len(self) - 1, -1, -1):
            yield self[k]
