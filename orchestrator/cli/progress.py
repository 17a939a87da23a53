"""Live progress on a terminal: the request id at once, then one line per step as it happens.

Nothing extra is printed when stdout is not a terminal or with `--json`, so scripts see only
the result. Whatever the output, Ctrl-C names the item and the command that continues it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator

from rich.markup import escape

from orchestrator.cli import render
from orchestrator.errors import OrchestrateError
from orchestrator.ledger import events as ev
from orchestrator.ledger.models import LedgerEvent


class Interrupted(OrchestrateError):
    exit_code = 130


class Progress:
    """A RunObserver: remembers the item's id, and prints step lines when `live`."""

    def __init__(self, live: bool) -> None:
        self.live = live
        self.request_id: str | None = None
        self.shown = False
        self._started: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_stdout(cls, as_json: bool) -> Progress:
        return cls(live=not as_json and sys.stdout.isatty())

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """Ctrl-C becomes one line naming the exact command that continues the item."""
        try:
            yield
        except KeyboardInterrupt:
            self.live = False  # roles still finishing in other threads print no more
            if self.request_id is None:
                raise Interrupted(
                    "interrupted before the item was created; nothing was written"
                ) from None
            raise Interrupted(
                f"interrupted; `orchestrate resume {self.request_id}` continues {self.request_id}"
            ) from None

    # -- the observer -----------------------------------------------------------------------
    def created(self, request_id: str) -> None:
        self.request_id = request_id
        self._say(f"[bold]{request_id}[/bold]")

    def recorded(self, event: LedgerEvent) -> None:
        line = self._line(event)
        if line is not None:
            self._say(line)

    def _say(self, line: str) -> None:
        if not self.live:
            return
        with self._lock:
            render.console.print(line)
            self.shown = True

    def _line(self, event: LedgerEvent) -> str | None:
        d = event.typed()
        if isinstance(d, ev.Triaged):
            decision = render.decision_line(
                d.kind, d.severity, d.priority, d.confidence, d.needs_review
            )
            return f"triage    {decision}  ({escape(d.runtime or '')})"
        if isinstance(d, ev.Escalated):
            return f"          {escape(render.brief(event))}"
        if isinstance(d, ev.RoleStarted):
            self._started[(d.role, d.round)] = time.monotonic()
            again = f" (round {d.round})" if d.round > 1 else ""
            return f"  {d.role:<6}  working{again} on {escape(d.runtime or '')}…"
        if isinstance(d, ev.RoleCompleted):
            took = time.monotonic() - self._started.get((d.role, d.round), time.monotonic())
            return f"  {d.role:<6}  done in {took:.1f} s: {escape(d.summary)}"
        if isinstance(d, ev.RoleFailed):
            return f"  {d.role:<6}  [red]failed[/red]: {escape(d.error)}"
        if isinstance(d, ev.RuntimeFallback | ev.RuntimeRetry):
            return f"  {d.role or '':<6}  {escape(render.brief(event))}"
        if isinstance(d, ev.ReviewRejected):
            return f"review    {escape(render.brief(event))}"
        if isinstance(d, ev.StateChanged) and d.to.value in render.PROGRESS_STATES:
            return f"state     {render.state_text(d.to.value)}"
        return None
