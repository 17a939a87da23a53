"""Run one CLI process under a hard deadline, with nothing able to block it.

The child gets its own session (so its whole process group can be killed, grandchildren
included), stdin from /dev/null (so no interactive prompt can ever wait for an answer) and
stdout/stderr in temporary files (so a grandchild that keeps a pipe open cannot hang us
after the CLI itself has exited).
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import IO

from pydantic import BaseModel

KILL_GRACE_S = 2.0  # SIGTERM first so a CLI can flush its session files, then SIGKILL

# Process groups of CLIs still running. Each runs in its own session, so a Ctrl-C or a
# SIGTERM aimed at orchestrate never reaches it; on the way out we end them ourselves.
_LIVE: set[int] = set()
_LIVE_LOCK = threading.Lock()
_ENDING = threading.Event()


class Interrupted(BaseException):
    """orchestrate itself is being stopped: not a failure of the runtime, so nothing is
    recorded against the role and the item stays resumable."""


@atexit.register
def end_all() -> None:
    """SIGKILL every CLI process group still running (exit handlers and SIGTERM call it)."""
    _ENDING.set()
    with _LIVE_LOCK:
        groups = list(_LIVE)
    for pgid in groups:
        _signal_group(pgid, signal.SIGKILL)


class Finished(BaseModel):
    returncode: int
    stdout: str
    stderr: str
    duration_s: float


class DeadlineExceeded(Exception):
    """The process outlived its deadline; its process group has been killed."""

    def __init__(self, timeout_s: float, stdout: str, stderr: str) -> None:
        super().__init__(f"deadline of {timeout_s:g}s exceeded")
        self.timeout_s = timeout_s
        self.stdout = stdout
        self.stderr = stderr


def run(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    grace_s: float = KILL_GRACE_S,
) -> Finished:
    """Run to completion or to the deadline; raises `DeadlineExceeded` or `OSError`."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
            close_fds=True,
        )
        with _LIVE_LOCK:
            _LIVE.add(proc.pid)
        try:
            returncode = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            kill_group(proc, grace_s)
            raise DeadlineExceeded(timeout_s, _read(out), _read(err)) from None
        except BaseException:
            kill_group(proc, 0)
            raise
        kill_group(proc, min(grace_s, 0.5))  # leftovers (servers, watchers) die with the call
        if _ENDING.is_set():
            raise Interrupted
        return Finished(
            returncode=returncode,
            stdout=_read(out),
            stderr=_read(err),
            duration_s=round(time.monotonic() - started, 3),
        )


def kill_group(proc: subprocess.Popen[bytes], grace_s: float) -> None:
    """SIGTERM the group, wait up to `grace_s`, then SIGKILL whatever is left."""
    pgid = proc.pid  # start_new_session: the leader's pid is the group id
    if not _signal_group(pgid, signal.SIGTERM):
        proc.wait()
        with _LIVE_LOCK:
            _LIVE.discard(pgid)
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if proc.poll() is not None and not _group_alive(pgid):
            break
        time.sleep(0.02)
    _signal_group(pgid, signal.SIGKILL)
    proc.wait()
    with _LIVE_LOCK:
        _LIVE.discard(pgid)


def _signal_group(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _group_alive(pgid: int) -> bool:
    """Any live (non-zombie) member left? Zombies wait on a parent, not on us."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return _signal_group(pgid, 0)
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def _read(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read().decode("utf-8", errors="replace")


_VERSION = re.compile(r"\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.]+)?")


@lru_cache(maxsize=32)
def cli_version(executable: str, timeout_s: float = 10.0) -> str | None:
    """`EXE --version`, cached per executable path; None when it fails or says nothing."""
    try:
        done = run(
            [executable, "--version"],
            cwd=Path(tempfile.gettempdir()),
            env=os.environ,
            timeout_s=timeout_s,
            grace_s=0.5,
        )
    except (OSError, DeadlineExceeded):
        return None
    if done.returncode != 0:
        return None
    first = next((line.strip() for line in done.stdout.splitlines() if line.strip()), "")
    match = _VERSION.search(first)
    return match.group(0) if match else (first[:80] or None)
