"""A batch the broker sends again is logged once (issue 12): `companion follow` killed in the
instant between a batch's commit and its acknowledgements gets the whole batch again when it is
started again. Its newest fix the plausibility filter refuses (the same time as the last one);
an older one in it (a phone's buffered fix, logged in its place) is found among the fixes the
event holds at its time (Tracker.fixes_at, a bisection) and dropped as a duplicate, counted and
said at -v.

On a real Mosquitto, a resend is what the feed sees: the same payloads again, to a process that
has just started (nothing of the first one's memory of messages seen). Plus the rule on its own:
the same source, time and position is the fix again; a typed entry or another position at that
time is not."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from helpers.mosquitto import Broker, brokers, needs_mosquitto, publish, wait_until
from helpers.share_events import stop, wait_said
from test_mqtt_feed_ack import COMPANION, T0, TOPIC, event_file, feed_times, location

from companion.core.models import Fix
from companion.service import EventSession
from companion.sources.mqtt import MqttSource, logged_already

__all__ = ["brokers"]
SAID = "(a buffered one, sent again)"


@needs_mosquitto
def test_a_batch_sent_again_after_a_restart_is_logged_once(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    b = brokers("phone").start()
    event, db = event_file(tmp_path), tmp_path / "event.sqlite"
    with EventSession.open(event, tmp_path / "scratch.sqlite") as s:
        route = s.route
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    outs = [tmp_path / "follow1.out", tmp_path / "follow2.out"]
    first_fix = location(route, 10.0, 0)
    # The batch: a live fix at minute 8, then one the phone buffered at minute 4 (logged late).
    batch = [location(route, 10.8, 8), location(route, 10.4, 4)]

    def follow(out: Path) -> subprocess.Popen[bytes]:
        feed = f"{b.url}/{TOPIC}"
        cmd = [*COMPANION, "-v", "follow", str(event), "--db", str(db), "--feed", feed]
        with out.open("w") as f:
            return subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)

    procs = []
    try:
        procs.append(first := follow(outs[0]))
        wait_said(first, outs[0], "feed connected", "the feed to connect")
        for message in (first_fix, *batch):
            assert publish(b, TOPIC, message)
        minutes = [0, 4, 8]
        wait_until(lambda: len(feed_times(db)) == 3, "the three fixes, committed")
        assert feed_times(db) == [T0 + timedelta(minutes=m) for m in minutes]
        assert stop(first, outs[0]) == 0, outs[0].read_text()
        assert SAID not in outs[0].read_text()  # the buffered fix was logged, not refused

        procs.append(second := follow(outs[1]))
        wait_said(second, outs[1], "feed connected", "the feed to connect again")
        for message in batch:  # what the broker sends when it never had the acks
            assert publish(b, TOPIC, message)
        # A new fix after them: messages on a topic come in order, so once it is in the log,
        # the batch sent again has been judged.
        assert publish(b, TOPIC, location(route, 11.2, 12))
        wait_until(lambda: T0 + timedelta(minutes=12) in feed_times(db), "the new fix")
        assert feed_times(db) == [T0 + timedelta(minutes=m) for m in (*minutes, 12)]  # each once
        said = outs[1].read_text()
        assert said.count(SAID) == 1, said  # the buffered one; the filter refused the newest
        assert stop(second, outs[1]) == 0, outs[1].read_text()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_the_same_source_time_and_position_is_the_fix_again() -> None:
    t = T0 + timedelta(minutes=4)
    fix = Fix(t, 20.61, 72.93, source="mqtt")
    assert logged_already(fix, [Fix(t, 20.61, 72.93, source="mqtt", km=171.2)])  # km as logged
    assert not logged_already(fix, [])
    assert not logged_already(fix, [Fix(t, 20.61, 72.93, km=171.2, label="Valsad")])  # typed
    assert not logged_already(fix, [Fix(t, 20.61, 72.931, source="mqtt")])  # another position
    assert logged_already(fix, [Fix(t, 20.0, 72.0), Fix(t, 20.61, 72.93, source="mqtt")])


def test_a_reopened_event_refuses_a_buffered_fix_it_holds(tmp_path: Path) -> None:
    """Through the feed, on an event reopened from its log (the tracker's fixes read back)."""
    event, db = event_file(tmp_path), tmp_path / "event.sqlite"
    with EventSession.open(event, db) as s:
        route = s.route
        for km, m in ((10.0, 0), (10.4, 4), (10.8, 8)):
            p = route.point_at(km)
            fix = Fix(T0 + timedelta(minutes=m), round(p.lat, 6), round(p.lon, 6), "mqtt")
            assert s.add_feed_fix(fix).accepted
        s.flush()
    with EventSession.open(event, db) as s:
        source = MqttSource(f"mqtt://127.0.0.1:1883/{TOPIC}")
        s.attach(source)
        got: list[Fix] = []
        source._on_fix = got.append  # what run() sets; no broker needed to judge a message
        dupes = s.filter.counts["duplicate"]
        source.message(location(route, 10.4, 4).encode())  # logged before: the fix again
        assert (got, source.late, source.status().rejected) == ([], 0, 1)
        assert s.filter.counts["duplicate"] == dupes + 1
        source.message(location(route, 10.6, 6).encode())  # a buffered fix not seen yet
        assert [f.time for f in got] == [T0 + timedelta(minutes=6)] and source.late == 1
        held = s.tracker.fixes_at(T0 + timedelta(minutes=4))
        assert [(f.time, f.source) for f in held] == [(T0 + timedelta(minutes=4), "mqtt")]
        assert s.tracker.fixes_at(T0 + timedelta(minutes=5)) == []
