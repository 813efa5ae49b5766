"""Whole processes measured from outside: wall time, peak RSS and CPU of one child, and the time
until a terminal app has painted its first frame into a real pseudo-terminal.

Peak RSS and CPU come from GNU time (`/usr/bin/time -f "%M %U %S"`), which starts the command:
a child forked from this (big) process would inherit its peak RSS across exec, in `wait4`'s
rusage as in RUSAGE_CHILDREN. Without /usr/bin/time, `wait4`'s figures (an overestimate).
The first frame is the moment the text `marker` (a word
only the finished frame holds) has arrived on the pty, escape sequences stripped: the app wrote
the frame to a terminal, which is what the crew sees, with no hook in the app.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import tempfile
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fcntl import ioctl

# CSI and OSC sequences, and the single-character escapes Textual writes.
_ESCAPES = re.compile(
    rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-B]|\x1b[=>78]"
)
COLUMNS, LINES = 120, 40


GNU_TIME = "/usr/bin/time"


def _timed(argv: Sequence[str]) -> tuple[list[str], str | None]:
    """`argv` started by GNU time writing "%M %U %S" to a temporary file (if time is there)."""
    if not os.path.exists(GNU_TIME):
        return list(argv), None
    fd, out = tempfile.mkstemp(prefix="bench-time-")
    os.close(fd)
    return [GNU_TIME, "-f", "%M %U %S", "-o", out, *argv], out


def _read_time(out: str | None, ru: object) -> tuple[float, float]:
    """(peak MB, CPU s) from GNU time's file, else from the rusage."""
    if out is not None:
        try:
            with open(out) as f:
                last = f.read().strip().splitlines()[-1].split()
            return int(last[0]) / 1024.0, float(last[1]) + float(last[2])
        except (OSError, IndexError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                os.unlink(out)
    return ru.ru_maxrss / 1024.0, ru.ru_utime + ru.ru_stime  # type: ignore[attr-defined]


def command_pid(pid: int) -> int:
    """The command's own pid: GNU time's child, if `pid` is GNU time."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
        return int(kids[0]) if kids else pid
    except OSError:
        return pid


@dataclass(frozen=True)
class Run:
    wall_s: float
    peak_mb: float
    cpu_s: float
    code: int
    output: str = ""


def run(argv: Sequence[str], env: dict[str, str] | None = None, timeout: float = 900.0) -> Run:
    """Run to its end; wall time, peak RSS, user+sys CPU of the child alone."""
    timed, time_out = _timed(argv)
    t = time.perf_counter()
    proc = subprocess.Popen(timed, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read()  # to its end, so the pipe never fills
    _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak, cpu = _read_time(time_out, ru)
    return Run(wall, peak, cpu, proc.returncode, out.decode(errors="replace"))


def median_run(argv: Sequence[str], runs: int, env: dict[str, str] | None = None) -> Run:
    """The run of median wall time (its RSS and CPU with it) of `runs`; each must exit 0."""
    done = []
    for _ in range(runs):
        r = run(argv, env)
        if r.code != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {r.code}:\n{r.output[-2000:]}")
        done.append(r)
    done.sort(key=lambda r: r.wall_s)
    return done[len(done) // 2]


@dataclass(frozen=True)
class Frame:
    first_frame_s: float  # spawn -> `marker` on the terminal
    then_s: float | None  # spawn -> `then` on the terminal (None: not asked or never came)
    peak_mb: float
    cpu_s: float  # user + sys of the child over its whole life
    screen: str  # the text seen (escapes stripped), for a look when a marker never comes


def spawn_pty(argv: Sequence[str], env: dict[str, str] | None) -> tuple[int, int]:
    """`argv` on a new pty of COLUMNS x LINES; returns (pid, master fd)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec the app on the pty
        with contextlib.suppress(Exception):
            os.execvpe(argv[0], list(argv), env if env is not None else dict(os.environ))
        os._exit(127)
    ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    return pid, fd


def first_frame(
    argv: Sequence[str],
    marker: str,
    env: dict[str, str] | None = None,
    *,
    then: str | None = None,
    settle_s: float = 0.0,
    hold_s: float = 0.0,
    at_start: Callable[[int], None] | None = None,
    at_end: Callable[[int], None] | None = None,
    timeout: float = 120.0,
) -> Frame:
    """Spawn `argv` on a pty; time until `marker` (and then `then`) is on screen; keep reading
    (the terminal drained) for `settle_s`, call `at_start(pid)`, read `hold_s` more, call
    `at_end(pid)`; then SIGTERM and reap."""
    env = dict(env if env is not None else os.environ)
    env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES))
    timed, time_out = _timed(argv)
    t0 = time.perf_counter()
    pid, fd = spawn_pty(timed, env)
    seen = b""
    at_marker: float | None = None
    at_then: float | None = None
    phases: list[tuple[float, Callable[[int], None] | None]] | None = None  # (when, call)
    want, want_then = marker.encode(), then.encode() if then else None
    try:
        while True:
            now = time.perf_counter()
            if now - t0 > timeout:
                break
            if phases is not None and now >= phases[0][0]:
                _when, call = phases.pop(0)
                if call is not None:
                    call(command_pid(pid))
                if not phases:
                    break
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 1 << 16)
                except OSError:
                    break  # the child closed the terminal
                if not chunk:
                    break
                # Only the text matters; keep a tail so a marker split across reads is found.
                seen = (seen + _ESCAPES.sub(b"", chunk))[-200_000:]
                now = time.perf_counter()
                if at_marker is None and want in seen:
                    at_marker = now - t0
                if want_then is not None and at_then is None and want_then in seen:
                    at_then = now - t0
            if at_then is not None and at_marker is not None:
                at_then = max(at_then, at_marker)  # `then` counts once the frame is whole
            done = at_marker is not None and (want_then is None or at_then is not None)
            if done and phases is None:
                began = time.perf_counter()
                phases = [(began + settle_s, at_start), (began + settle_s + hold_s, at_end)]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(command_pid(pid), signal.SIGTERM)  # the app (GNU time passes none on)
        ru = _reap(pid, fd)
    peak, cpu = _read_time(time_out, ru)
    if at_marker is None:
        raise RuntimeError(f"{marker!r} never appeared; the screen said:\n{seen[-3000:]!r}")
    return Frame(at_marker, at_then, peak, cpu, seen.decode(errors="replace"))


def _reap(pid: int, fd: int) -> os.struct_rusage_type:  # type: ignore[name-defined]
    deadline = time.monotonic() + 20.0
    while True:
        # Drain the pty so a child writing its last frame never blocks on a full terminal.
        with contextlib.suppress(OSError):
            while select.select([fd], [], [], 0.02)[0]:
                if not os.read(fd, 1 << 16):
                    break
        got, _status, ru = os.wait4(pid, os.WNOHANG)
        if got == pid:
            os.close(fd)
            return ru
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(command_pid(pid), signal.SIGKILL)
            deadline = time.monotonic() + 20.0


def median_frame(runs: int, fn: Callable[[], Frame]) -> Frame:
    frames = sorted((fn() for _ in range(runs)), key=lambda f: f.first_frame_s)
    return frames[len(frames) // 2]


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)
