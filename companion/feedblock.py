"""A block of a feed's accepted fixes placed, logged and applied in one loop (issue 11).

`companion follow` over a 10 Hz log used to hand each fix through `Source._deliver`, follow's
`on_fix`, `EventSession.add_feed_fix` and `Logbook.append_fix`: ~10 calls a fix around the work.
A file source now hands on each run of accepted fixes at once (`Source._deliver_all`), and this
does for each fix what `add_feed_fix(fix, prefiltered=True)` does, in its order: placed, given
its km, its row built, applied to the tracker. The rows join the log's batch once a block, and
the batch is written, if due, once a block (at most a block's work, ~50 ms, after it fell due).

What is not the usual case goes `add_feed_fix`'s own way, in its place: a fix whose row is not
plain or that is manual (its rows before it batched first), and every fix while the log is not
saving (each a probe committed alone). A failed write takes the batch back as it did.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, timedelta
from typing import TYPE_CHECKING

from companion.core.models import Fix, with_km
from companion.core.times import LATEST
from companion.logbatch import FixRow, plain_payload, plain_row
from companion.logrows import _UTC_MICROS
from companion.logschema import NotSaved

if TYPE_CHECKING:
    from companion.service import EventSession

_ZERO, _SECOND = timedelta(0), timedelta(seconds=1)


def add_feed_fixes(session: EventSession, fixes: Sequence[Fix]) -> None:
    """`session.add_feed_fix(fix, prefiltered=True)` for each fix of a block, in order.

    The km a fix falls at goes beside it (the row's km, `Tracker.add(fix, km)`): the rows and
    the tracker's state are those of `with_km(fix, km)`, without building that second Fix."""
    if session.not_saving is not None:
        for fix in fixes:
            session.add_feed_fix(fix, prefiltered=True)
        return
    tracker, logbook = session.tracker, session.logbook
    place, add = tracker.place, tracker.add
    logged_at = logbook.feed_logged_at()
    held: list[Fix] = []
    rows: list[FixRow] = []
    plain_source = ""  # the last source seen not to be manual (a feed has one)
    first, second, second_text = LATEST, -1, ""  # the first row of the second in hand
    for k, fix in enumerate(fixes):
        placed = place(fix)
        last = tracker.last_time
        when = fix.time
        # As add_feed_fix: a late fix is placed where it falls in time, and logged without km
        # (its own, None from a receiver); else with where it fell, beside it.
        beside = None if placed.off_route or (last is not None and when < last) else placed.km
        if when.tzinfo is UTC and when.second == second and _ZERO < when - first < _SECOND:
            # In the second of the row before: its time's text up to the second (to_iso's).
            plain, text = plain_payload(fix, beside)
            row = None
            if plain:
                stamp = _UTC_MICROS % (second_text, when.microsecond)
                km = fix.km if beside is None else beside
                row = (logged_at, text, stamp, fix.lat, fix.lon, km, fix.source)
        else:
            row = plain_row(fix, logged_at, beside)
            if row is not None:  # the first of its second: aware UTC, inside the window
                first, second, second_text = when, when.second, row[2][:20]
        if row is None or (fix.source is not plain_source and fix.is_manual):
            # The slow way, after the rows before it; while not saving, the rest go so too.
            logbook.batch_rows(held, rows)
            session.feed_fixes_logged += len(held)
            held, rows = [], []
            session._log_feed_fix(fix if beside is None else with_km(fix, beside), placed.off_route)
            if session.not_saving is not None:
                for rest in fixes[k + 1 :]:
                    session.add_feed_fix(rest, prefiltered=True)
                return
            continue
        plain_source = fix.source
        held.append(fix)  # as given: its row holds its km (FixBatch.unsaved builds it whole)
        rows.append(row)
        add(fix, beside)
    logbook.batch_rows(held, rows)
    session.feed_fixes_logged += len(held)
    try:
        logbook.flush_if_due()
    except NotSaved as e:
        session._not_saved(e)  # takes back the batch: shown, never saved
