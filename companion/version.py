"""The version, from one place: pyproject.toml's `version`.

An installed Companion (pip, a wheel, an editable install) reads it from the package metadata; a
source checkout run without installing (`python -m companion` from the tree) reads pyproject.toml
beside the package, so the number is never written twice.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

DIST_NAME = "companion"
UNKNOWN = "0+unknown"


def version() -> str:
    """The version string, e.g. "0.1.0"; "0+unknown" when neither source can be read."""
    checkout = _from_pyproject(Path(__file__).resolve().parents[1] / "pyproject.toml")
    if checkout is not None:
        # The tree's own pyproject wins: an editable install's metadata is written once at
        # install time and goes stale when the version is bumped.
        return checkout
    from importlib import metadata  # ~12 ms: only for an installed copy, not at every start

    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return UNKNOWN


def _from_pyproject(path: Path) -> str | None:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    project = doc.get("project")
    if not isinstance(project, dict) or project.get("name") != DIST_NAME:
        return None  # some other project's pyproject (Companion installed inside it)
    value = project.get("version")
    return value if isinstance(value, str) else None
