"""`companion board` that fails (issue 12): exit status 1 and one line on stderr, not Textual's
screen of traceback, whose locals held the broker's password. The failure is a real one: an
mqtts:// board whose COMPANION_MQTT_CAFILE is not there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers.share_events import EVENT_ID

COMPANION = [sys.executable, "-m", "companion"]
SECRET = "s3cret-Board-pw"


def test_a_crash_is_exit_1_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "COMPANION_MQTT_CAFILE": str(tmp_path / "no-such-ca.pem")}
    url = f"mqtts://org:{SECRET}@127.0.0.1:1/{EVENT_ID}"
    done = subprocess.run([*COMPANION, "board", url], stdin=subprocess.DEVNULL,
                          capture_output=True, env=env, timeout=120)  # fmt: skip
    said = done.stderr.decode(errors="replace")
    assert done.returncode == 1, said
    # Textual's terminal codes aside, what a person reads is the one line.
    text = said[said.rfind("companion: ") :]
    assert text.startswith("companion: board stopped: FileNotFoundError"), said
    assert "\n" not in text.strip()
    assert "Traceback" not in said and "│" not in said  # no traceback box
    assert SECRET not in said + done.stdout.decode(errors="replace")
