"""`companion serve` (issue 12): the follower page in a real headless browser (Debian's chromium,
a phone-sized screenshot and its text after loading), `/status.json` equal to `status --json`
before and after an entry typed in another process, bound to 127.0.0.1; and the same page from a
broker's retained status."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers.board_units import unit_statuses
from helpers.mosquitto import Broker, brokers, needs_mosquitto, publish, wait_until
from helpers.share_events import EVENT_ID, run_ok, share_event, stop

__all__ = ["brokers"]
COMPANION = [sys.executable, "-m", "companion"]
NOW = "2021-08-16T18:30:00+05:30"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("COMPANION_REQUIRE_PEERS") == "1":
    raise RuntimeError("COMPANION_REQUIRE_PEERS=1 but chromium is not installed")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")


@contextmanager
def serving(tmp_path: Path, *args: str) -> Iterator[str]:
    """`companion serve ARGS --port 0`; yields its base URL, from the line it prints."""
    out = tmp_path / "serve.out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    with out.open("w") as f:
        proc = subprocess.Popen([*COMPANION, "serve", *args, "--port", "0"], stdout=f,
                                stderr=subprocess.STDOUT, env=env)  # fmt: skip
    try:
        wait_until(lambda: " on http://" in out.read_text() or proc.poll() is not None, "serve")
        text = out.read_text()
        assert proc.poll() is None, text
        yield text.split(" on ", 1)[1].split()[0].rstrip("/")
    finally:
        assert stop(proc, out) == 0, out.read_text()


def get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.headers["Content-Type"].startswith("application/json")
        return json.loads(r.read())  # type: ignore[no-any-return]


def status_json(event: Path, db: Path) -> dict[str, object]:
    cmd = [*COMPANION, "status", str(event), "--db", str(db), "--json", "--now", NOW]
    return json.loads(run_ok(cmd))  # type: ignore[no-any-return]


def checkpoint(event: Path, db: Path, *args: str) -> None:
    cmd = [*COMPANION, "checkpoint", str(event), "--db", str(db), *args, "--now", NOW]
    run_ok(cmd)


def chromium(url: str, tmp_path: Path, *mode: str) -> str:
    assert CHROMIUM is not None
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=390,844",
            *mode, url]  # fmt: skip
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_status_json_equals_status_and_follows_the_log(tmp_path: Path) -> None:
    event, db = share_event(tmp_path, "mqtt://127.0.0.1:1", "car1", athlete="Sufiya Khan")
    checkpoint(event, db, "--km", "40", "--time", "2021-08-16T09:00")
    with serving(tmp_path, str(event), "--db", str(db), "--now", NOW) as base:
        assert base.startswith("http://127.0.0.1:")  # not on every interface unless --host
        assert get_json(f"{base}/status.json") == status_json(event, db)
        checkpoint(event, db, "--km", "70", "--time", "2021-08-16T18:00")
        served = get_json(f"{base}/status.json")
        assert served == status_json(event, db)
        assert served["km_total"] == 70.0
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{base}/etc/passwd", timeout=30)
        assert e.value.code == 404


@needs_chromium
def test_the_page_in_a_real_browser(tmp_path: Path) -> None:
    event, db = share_event(tmp_path, "mqtt://127.0.0.1:1", "car1", athlete="Sufiya Khan")
    checkpoint(event, db, "--km", "40", "--time", "2021-08-16T09:00")
    checkpoint(event, db, "--km", "70", "--time", "2021-08-16T18:00")
    expected = status_json(event, db)
    nxt = expected["next_town"]
    assert isinstance(nxt, dict)
    with serving(tmp_path, str(event), "--db", str(db), "--now", NOW) as base:
        dom = chromium(f"{base}/", tmp_path, "--dump-dom")
        shot = tmp_path / "page.png"
        chromium(f"{base}/", tmp_path, f"--screenshot={shot}")
    assert shot.stat().st_size > 5000  # a picture, not an error page
    assert '<b id="km-total">70.0</b>' in dom and '<b id="km-today">70.0</b>' in dom
    eta = str(nxt["eta"])[11:16]  # HH:MM of the ISO time in the event's zone
    assert f"Next: <b>{nxt['name']}</b> in {nxt['km_to_go']:.1f} km, ETA <b>{eta}</b>" in dom
    assert "Sufiya Khan" in dom and "Last position 18:00 (30 min ago)" in dom
    ahead = expected["towns_ahead"]
    assert isinstance(ahead, list) and ahead
    for town in ahead:
        assert f"<td>{town['name']}</td>" in dom


@needs_mosquitto
def test_the_page_from_a_broker(tmp_path: Path, brokers: Callable[..., Broker]) -> None:
    b = brokers("event").start()
    statuses = dict(unit_statuses(tmp_path / "units"))
    assert publish(b, f"companion/v1/{EVENT_ID}/car2/status", statuses["car2"], retain=True)
    with serving(tmp_path, f"{b.url}/{EVENT_ID}/car2", "--now", NOW) as base:

        def served() -> bool:
            try:
                return get_json(f"{base}/status.json") == json.loads(statuses["car2"])
            except urllib.error.HTTPError as e:
                assert e.code == 503  # no status yet
                return False

        wait_until(served, "the retained status on /status.json")
        with urllib.request.urlopen(f"{base}/", timeout=30) as r:
            page = r.read().decode()
    assert "Milind Soman" in page and "<b id=km-total>150.0</b>" in page
