"""A wheel installed with `pip install --user` into a fresh venv's user base finds the bundled
routes (package data read with importlib.resources, not data files beside a prefix).

Offline: the wheel is built with --no-build-isolation --no-index from a copy of the source, and
the fresh venv reaches the dependencies through a .pth line to this venv's site-packages (a .pth
line adds a directory without running the .pth files in it, so this checkout's editable install
stays out of the way).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROUTES = REPO / "companion" / "routes"


def _run(cmd: list[str], *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(
        cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False
    )
    assert r.returncode == 0, f"{cmd}: {r.stdout}\n{r.stderr}"
    return r


@pytest.mark.slow
def test_a_user_install_of_the_wheel_finds_the_bundled_routes(tmp_path: Path) -> None:
    pytest.importorskip("setuptools", minversion="70.1")  # bdist_wheel built in: no index needed
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, src / name)
    shutil.copytree(
        REPO / "companion", src / "companion", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    base_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(src),
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(tmp_path / "dist"),
            "-q",
        ],
        env=base_env,
        cwd=tmp_path,
    )
    (wheel,) = (tmp_path / "dist").glob("companion-*.whl")

    # A fresh venv whose user site is on (system site packages), dependencies from this venv.
    fresh = tmp_path / "fresh"
    _run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(fresh)],
        env=base_env,
        cwd=tmp_path,
    )
    python = fresh / "bin" / "python"
    where_libs = "import sysconfig; print(sysconfig.get_path('purelib'))"
    purelib = Path(_run([str(python), "-c", where_libs], env=base_env, cwd=tmp_path).stdout.strip())
    (purelib / "deps-from-test-venv.pth").write_text(sysconfig.get_path("purelib") + "\n")

    user_base = tmp_path / "userbase"
    env = {**base_env, "PYTHONUSERBASE": str(user_base)}
    # The fresh venv has no pip of its own: this venv's pip installs for it (--python).
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--user",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        env=env,
        cwd=tmp_path,
    )

    # Run from an empty folder, so the checkout is not on sys.path by the current directory.
    where = _run(
        [str(python), "-c", "import companion, sys; print(companion.__file__)"],
        env=env,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(user_base), where
    script = user_base / "bin" / "companion"
    assert script.is_file()
    out = _run(
        [str(script), "routes", "--json"],
        env={**env, "COMPANION_DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
    ).stdout
    names = sorted(row["name"] for row in json.loads(out))
    shipped = [p.stem for p in ROUTES.iterdir() if p.suffix in (".csv", ".gpx", ".geojson")]
    assert names == sorted(shipped)
    assert "unity-run-2021" in names
    # A bundled route by name resolves in an event made by the installed copy.
    ev = tmp_path / "ev.toml"
    _run([str(script), "new", "unity-run-2021", "-o", str(ev)], env=env, cwd=tmp_path)
    paths = json.loads(
        _run([str(script), "paths", str(ev), "--json"], env=env, cwd=tmp_path).stdout
    )
    assert Path(paths["route"]).is_relative_to(user_base) and paths["route_bundled"]
