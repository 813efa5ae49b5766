"""Outside input of the crew's operations, fuzzed: the event file's `[feeding]` table, a tag and
its note typed by the crew. Each is a value or our error, never a traceback, and what is logged
reads back as it was accepted (a real SQLite log)."""

from __future__ import annotations

import math
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.core.stops import TAGS, TagError, check_tag
from companion.crewlog import MAX_NOTE, CrewError, clean_note, log_fed, log_tag, read
from companion.event import EventError, load_event
from companion.event_feeding import Feeding, FeedingError, feeding_from_table
from companion.logbook import Logbook
from companion.logreads import CREW_ROWS

AT = datetime(2021, 8, 18, 4, 0, tzinfo=UTC)
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=5),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers()),
)  # fmt: skip
TABLES = st.one_of(
    VALUES,
    st.dictionaries(
        st.sampled_from(["eat_every_min", "drink_every_min", "eat_every", "x"]), VALUES, max_size=3
    ),
)


@given(TABLES)
def test_a_feeding_table_is_a_value_or_our_error(table: object) -> None:
    try:
        got = feeding_from_table(table)
    except FeedingError as e:
        assert str(e).startswith("feeding")
        return
    assert got is None or isinstance(got, Feeding)
    for minutes in (got.every_min() if got else {}).values():
        assert math.isfinite(minutes) and 1.0 <= minutes <= 720.0


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers())
def test_a_feeding_value_in_an_event_file(
    tmp_path_factory: pytest.TempPathFactory, v: float
) -> None:
    d = tmp_path_factory.mktemp("ev")
    text = repr(v) if math.isfinite(v) else {True: "nan", False: "inf" if v > 0 else "-inf"}[
        math.isnan(v)
    ]
    path = d / "e.toml"
    path.write_text(
        'name = "n"\nathlete = "a"\nroute = "unity-run-2021"\ntimezone = "UTC"\n'
        f"planned_kmh = 10\n\n[feeding]\ndrink_every_min = {text}\n",
        encoding="utf-8",
    )
    try:
        ev = load_event(path)
    except EventError as e:
        assert "feeding.drink_every_min" in str(e) and str(path) in str(e)
        return
    assert ev.feeding is not None and ev.feeding.drink_every_min == float(v)


@given(st.text(max_size=12))
def test_a_tag_is_one_of_the_six_or_our_error(text: str) -> None:
    try:
        assert check_tag(text) in TAGS
    except TagError as e:
        assert "1 food" in str(e)


@given(st.text(max_size=MAX_NOTE + 20))
def test_a_note_is_one_clean_line_or_our_error(text: str) -> None:
    try:
        note = clean_note(text)
    except CrewError as e:
        assert "at most" in str(e) or "UTF-8" in str(e)
        return
    assert len(note) <= MAX_NOTE and note == note.strip()
    assert not any(c in note for c in "\n\r\t\x00\x1b\u2028")


@given(st.text(max_size=60), st.sampled_from(TAGS))
def test_a_logged_tag_and_meal_read_back_as_accepted(
    tmp_path_factory: pytest.TempPathFactory, note: str, tag: str
) -> None:
    db = tmp_path_factory.mktemp("log") / "log.sqlite"
    with Logbook.open(db) as book:
        try:
            log_tag(book, AT, tag, note, AT + timedelta(minutes=5))
            log_fed(book, "eat", note, AT + timedelta(minutes=6))
        except CrewError:
            assert read(book).tags == ()
            return
    with Logbook.open(db, readonly=True) as book:
        got = read(book)
    assert [(t.at, t.tag, t.note) for t in got.tags] == [(AT, tag, clean_note(note))]
    assert [(f.kind, f.what) for f in got.fed] == [("eat", clean_note(note))]
    assert got.unreadable == 0


def test_a_damaged_crew_row_is_left_out_and_counted(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    with Logbook.open(db) as book:
        log_tag(book, AT, "food", "ok", AT)
        book.append_crew({"type": "tag", "stop": "yesterday", "tag": "food"}, AT)
        book.append_crew({"type": "tag", "stop": "2021-08-18T04:00:00+00:00", "tag": "nap"}, AT)
        book.append_crew({"type": "from-a-newer-version"}, AT)
        got = read(book)
    assert [t.note for t in got.tags] == ["ok"] and got.unreadable == 2


def test_the_crew_rows_are_read_by_their_index_in_old_logs_too(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    Logbook.open(db).close()
    with sqlite3.connect(db) as conn:  # a log written before the crew's entries existed
        conn.execute("DROP INDEX events_crew")
    Logbook.open(db).close()  # opened for writing: the index is made
    with sqlite3.connect(db) as conn:
        plan = " ".join(str(r[-1]) for r in conn.execute(f"EXPLAIN QUERY PLAN {CREW_ROWS}"))
    assert "events_crew" in plan, plan
