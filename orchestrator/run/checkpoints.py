"""The durable LangGraph checkpoint store beside the ledger, opened and probed safely.

Why a module of its own: a damaged `checkpoints.sqlite` must surface as one clear line
*before* a run writes anything, so `resume` on a broken store leaves the ledger untouched.
The ledger stays the source of truth; checkpoints only say where in the graph a run was.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from orchestrator.errors import OrchestrateError

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from orchestrator.ledger.repository import CheckpointStore

FILENAME = "checkpoints.sqlite"


class CheckpointError(OrchestrateError):
    """The checkpoint store cannot be read; the ledger itself is fine."""

    exit_code = 5


class CheckpointView(BaseModel):
    """One saved step of a run, as time travel compares it with the ledger."""

    checkpoint_id: str
    step: int
    next: list[str]
    ledger_seq: int = 0
    decision: dict[str, Any] = Field(default_factory=dict)
    stages: list[list[str]] = Field(default_factory=list)
    runs: dict[str, int] = Field(default_factory=dict)
    outcome: str | None = None


class StoreNotWritable(OrchestrateError):
    """The store (or the ledger directory it lives in) cannot be written: a permission
    problem to fix, not damage to move aside."""

    exit_code = 3


def _broken(path: Path, exc: BaseException) -> OrchestrateError:
    if _readonly(path) or "readonly" in str(exc) or "unable to open" in str(exc):
        return StoreNotWritable(
            f"cannot write the checkpoint store {path} (permission denied); "
            "nothing was written — give this user write access to the ledger directory"
        )
    return CheckpointError(
        f"checkpoint store {path} is unreadable ({type(exc).__name__}: {exc}); "
        "nothing was written — move it aside and resume again (the ledger alone suffices)"
    )


def _readonly(path: Path) -> bool:
    target = path if path.exists() else path.parent
    return target.exists() and not os.access(target, os.W_OK)


def check_store(root: Path, thorough: bool = False) -> None:
    """Refuse a damaged store before a run writes anything; no LangGraph import. A submit
    only reads the header (garbage bytes fail there); resume pays for `quick_check`, which
    scans the whole store."""
    path = root / FILENAME
    if _readonly(path):
        raise _broken(path, PermissionError(path))
    if not path.exists():
        return
    try:
        conn = sqlite3.connect(path, timeout=30)
        try:
            conn.execute("PRAGMA quick_check" if thorough else "PRAGMA schema_version").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _broken(path, exc) from None


def open_saver(root: Path) -> Any:
    """A SqliteSaver on `<ledger>/checkpoints.sqlite` in WAL mode.

    synchronous=NORMAL: a commit survives a killed process (the case resume is for) without
    an fsync per step; after a power cut the newest checkpoints may be lost, and resume then
    starts from an older one — the ledger, which is fsync'd, stops any step being redone.
    `resume` runs `quick_check` first (see `check`); a submit does not pay for a full scan.
    """
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = root / FILENAME
    try:
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        saver = SqliteSaver(conn)
        saver.setup()
    except sqlite3.Error as exc:
        raise _broken(path, exc) from None
    return saver


class FileCheckpoints:
    """The SQLite store inside a file ledger's directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = str(root / FILENAME)

    def check(self, thorough: bool = False) -> None:
        check_store(self.root, thorough)

    def open_saver(self) -> BaseCheckpointSaver[str]:
        self.root.mkdir(parents=True, exist_ok=True)
        saver: BaseCheckpointSaver[str] = open_saver(self.root)
        return saver

    def close(self, saver: BaseCheckpointSaver[str]) -> None:
        from langgraph.checkpoint.sqlite import SqliteSaver

        if isinstance(saver, SqliteSaver):
            saver.conn.close()

    def broken(self, exc: BaseException) -> OrchestrateError:
        return _broken(self.root / FILENAME, exc)


def pending(graph: Any, request_id: str, store: CheckpointStore) -> bool:
    """Whether the run has a saved checkpoint with steps still to do (read-only probe)."""
    if graph.checkpointer is None:
        return False
    try:
        snapshot = graph.get_state({"configurable": {"thread_id": request_id}})
    except Exception as exc:  # any unreadable row or blob: say so instead of a traceback
        raise store.broken(exc) from None
    return bool(snapshot.next)


def forget(graph: Any, request_id: str) -> None:
    """Drop a finished run's saved state before the item runs again from the ledger (after
    an approval, a correction or a retry): its outcome and round counts must not leak in."""
    if graph.checkpointer is not None:
        graph.checkpointer.delete_thread(request_id)


def history(graph: Any, request_id: str) -> list[CheckpointView]:
    """Every saved step of a run, oldest first."""
    cfg = {"configurable": {"thread_id": request_id}}
    views = []
    for snap in graph.get_state_history(cfg):
        values = snap.values or {}
        views.append(
            CheckpointView(
                checkpoint_id=str(snap.config["configurable"]["checkpoint_id"]),
                step=int((snap.metadata or {}).get("step", -1)),
                next=list(snap.next),
                ledger_seq=int(values.get("ledger_seq", 0)),
                decision=dict(values.get("decision", {})),
                stages=[list(s) for s in values.get("stages", [])],
                runs=dict(values.get("runs", {})),
                outcome=values.get("outcome"),
            )
        )
    return list(reversed(views))
