"""Every platform path Companion uses, in one place.

Nothing else in the package asks platformdirs or builds a path under the user's home, so a test (or
a crew that wants its logs on a USB stick) can move everything by setting one environment variable.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
from pathlib import Path

import platformdirs

import companion

APP_NAME = "companion"
# Set to a directory to keep every database there instead of the platform's user data dir. The
# tests set it so they never touch the real one.
DATA_DIR_ENV = "COMPANION_DATA_DIR"

# Characters kept from an event file's stem in its database name; anything else becomes "_" so
# the name is safe on every file system.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def data_dir() -> Path:
    """The directory for Companion's own data (databases), not created here.

    Returns:
        `$COMPANION_DATA_DIR` when set and non-empty, else the platform's user data dir for
        "companion" (for example `~/.local/share/companion` on Linux).
    """
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_db_path(event_path: Path | str) -> Path:
    """The default logbook database of one event: one database per event file.

    The name is the event file's stem plus a short hash of its absolute path, so two events both
    called `event.toml` in different folders get different databases, while the same file always
    maps to the same one (which is what lets a restart resume the event).

    Args:
        event_path: the event file, relative paths taken from the current directory.

    Returns:
        `data_dir() / "events" / "<stem>-<hash>.sqlite"`; the directory is not created here.
    """
    absolute = Path(os.path.abspath(Path(event_path).expanduser()))
    digest = hashlib.sha256(str(absolute).encode("utf-8", "surrogateescape")).hexdigest()[:10]
    stem = _UNSAFE.sub("_", absolute.stem).strip("._") or "event"
    return data_dir() / "events" / f"{stem[:60]}-{digest}.sqlite"


def bundled_routes_dir() -> Path:
    """The directory of the routes shipped with Companion: package data (`companion/routes/`),
    found with importlib.resources, so a checkout, an editable install, a wheel and a
    `pip install --user` all find them.
    """
    folder = importlib.resources.files(companion) / "routes"
    # Installed as files on disk (setuptools never zips a package): the Traversable is a Path.
    return folder if isinstance(folder, Path) else Path(str(folder))
