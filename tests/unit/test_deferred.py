"""core/deferred.py: a list whose head is fetched only when read. Checked against a plain list
doing the same operations (the reference), and by counting the fetches."""

from __future__ import annotations

import bisect
from itertools import islice

import pytest

from companion.core.deferred import Deferred, HeadChanged

HEAD = list(range(0, 100, 2))  # 50 even numbers
TAIL = [100, 101, 103]


def _make(peek: bool = False) -> tuple[Deferred[int], list[int]]:
    fetched: list[int] = []

    def fetch() -> list[int]:
        fetched.append(1)
        return list(HEAD)

    d = Deferred(len(HEAD), fetch, TAIL, (lambda i: HEAD[i]) if peek else None)
    return d, fetched


def test_the_tail_is_read_and_changed_without_fetching_the_head() -> None:
    d, fetched = _make()
    ref = HEAD + TAIL
    assert len(d) == len(ref)
    assert d[-1] == ref[-1] and d[len(HEAD)] == ref[len(HEAD)]
    d.append(110)
    ref.append(110)
    d.insert(len(HEAD) + 1, 100)
    ref.insert(len(HEAD) + 1, 100)
    del d[-2]
    del ref[-2]
    d[-1] = 111
    ref[-1] = 111
    # A bisection that starts past the head never reads it.
    assert bisect.bisect_right(d, 102, len(HEAD)) == bisect.bisect_right(ref, 102)
    assert list(islice(reversed(d), 4)) == list(islice(reversed(ref), 4)) and not fetched
    assert not fetched and not d.fetched
    assert list(d) == ref and fetched == [1] and d.fetched
    assert d[3] == ref[3] and fetched == [1]  # once


def test_reading_the_head_fetches_it_once() -> None:
    d, fetched = _make()
    assert d[0] == 0 and fetched == [1]
    assert d[:3] == [0, 2, 4] and fetched == [1]
    d.insert(0, -1)
    assert list(d) == [-1, *HEAD, *TAIL]


def test_peek_reads_one_item_of_the_head() -> None:
    d, fetched = _make(peek=True)
    ref = HEAD + TAIL
    assert d[7] == ref[7] and d[-len(ref)] == ref[0]
    assert bisect.bisect_left(d, 51) == bisect.bisect_left(ref, 51)
    assert list(reversed(d)) == list(reversed(ref))
    assert not fetched
    with pytest.raises(IndexError):
        d[-len(ref) - 1]
    with pytest.raises(IndexError):
        d[len(ref)]
    d.insert(1, 1)  # a change in the head fetches it
    assert fetched == [1] and d[:3] == [0, 1, 2]


def test_a_head_of_another_length_is_refused() -> None:
    d = Deferred(3, lambda: [1, 2], [9])
    assert d[-1] == 9
    with pytest.raises(HeadChanged, match="open the event again"):
        d[0]


def test_a_fetch_that_fails_leaves_the_list_as_it_was() -> None:
    calls: list[int] = []

    def fetch() -> list[int]:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk gone")
        return [1, 2]

    d = Deferred(2, fetch, [9])
    with pytest.raises(OSError):
        d[0]
    assert len(d) == 3 and not d.fetched
    assert list(d) == [1, 2, 9] and len(calls) == 2
