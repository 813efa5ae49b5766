"""The count of fixes undone that a state save checks (trackstate._UNDONE) without a scan.

`ref IN (SELECT id FROM events WHERE kind = 'fix')` built the list of every fix's id at each
count: ~0.25 s of a day of 10 Hz at every close. The query now finds the undo rows by the ref
index and each one's fix by its rowid. Held here to the old query and to a count in Python over
every row, on a real SQLite log of a real ride with the crew's entries undone and rows no
Companion writes (an undo of a crew entry, of a missing row, twice of one fix, with no ref).
"""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from helpers.real_tracks import AUDAX_150K, fixes, load_real_track

from companion import trackstate
from companion.core.models import Fix
from companion.logbook import Logbook

_OLD_UNDONE = (
    "SELECT count(DISTINCT ref) FROM events WHERE kind = 'undo' "
    "AND ref IN (SELECT id FROM events WHERE kind = 'fix')"
)


def _by_hand(conn: sqlite3.Connection) -> int:
    rows = conn.execute("SELECT id, kind, ref FROM events").fetchall()
    fix_ids = {i for i, kind, _ in rows if kind == "fix"}
    return len({ref for _, kind, ref in rows if kind == "undo" and ref in fix_ids})


@pytest.fixture(scope="module")
def ride(shared_dir: Path) -> list[Fix]:
    return fixes(load_real_track(shared_dir / AUDAX_150K), hz=1.0, source="nmea")[:3000]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_undone_count_equals_the_old_query_and_a_count_by_hand(
    tmp_path: Path, ride: list[Fix], seed: int
) -> None:
    rnd = random.Random(seed)
    path = tmp_path / "log.sqlite"
    log = Logbook.open(path, event_name="undone")
    undone = 0
    for i, fix in enumerate(ride):
        log.append_fix(fix, commit=False)
        if i % 97 == 0:  # the crew types a town, and undoes some of them
            log.append_fix(Fix(fix.time + timedelta(milliseconds=1), fix.lat, fix.lon, "manual"))
            if rnd.random() < 0.6:
                assert log.undo_last_manual() is not None
                undone += 1
        if i % 501 == 0:
            log.append_crew({"kind": "note", "text": f"n{i}"}, fix.time)
    log.close()
    conn = sqlite3.connect(path)  # rows no Companion writes: foreign keys are off here
    ids = [i for (i,) in conn.execute("SELECT id FROM events WHERE kind = 'fix'")]
    crew = [i for (i,) in conn.execute("SELECT id FROM events WHERE kind = 'crew'")]
    again = rnd.sample(ids, 5)  # undone twice: counted once
    odd = [*again, *again, crew[0], crew[-1], max(ids) + 10_000, None, None]
    for ref in odd:
        conn.execute(
            "INSERT INTO events (kind, logged_at, ref) VALUES ('undo', '2026-01-01', ?)", (ref,)
        )
    for ref in rnd.sample(ids, 4):  # an edit of a fix is no undo
        conn.execute("INSERT INTO events (kind, logged_at, ref) VALUES ('edit', 'x', ?)", (ref,))
    conn.commit()
    (got,) = conn.execute(trackstate._UNDONE).fetchone()
    (old,) = conn.execute(_OLD_UNDONE).fetchone()
    by_hand = _by_hand(conn)
    assert got == old == by_hand
    manual_undone = conn.execute(
        "SELECT count(*) FROM events WHERE kind = 'undo' AND ref IN "
        "(SELECT id FROM events WHERE source = 'manual')"
    ).fetchone()[0]
    assert manual_undone == undone > 10
    assert by_hand > undone  # the odd undos of fixes counted, once each
    conn.close()


def test_undone_count_reads_no_fix_but_the_ones_undone(tmp_path: Path, ride: list[Fix]) -> None:
    """The plan: the undo rows by the ref index, a fix by its rowid; no scan of the table."""
    log = Logbook.open(tmp_path / "log.sqlite", event_name="plan")
    for fix in ride[:50]:
        log.append_fix(fix, commit=False)
    log.close()
    conn = sqlite3.connect(tmp_path / "log.sqlite")
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + trackstate._UNDONE)]
    conn.close()
    assert not any(step.startswith("SCAN") for step in plan), plan
    assert any("events_ref" in step for step in plan), plan
