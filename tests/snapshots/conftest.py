"""The snapshot tests use the same fixed event and frozen clock as the Pilot tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "functional"))

from companion_fixtures import session, setup

__all__ = ["session", "setup"]
