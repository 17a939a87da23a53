"""What the three agent-CLI runtimes share: settings, workspace, prompt, run, record.

A vendor module only says how to build the command line and environment and how to read
the CLI's machine-readable output; everything else (where the agent works, whether it may
write, the deadline, error classes, the record of changed files) is decided once here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from abc import abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field, JsonValue

from adapters import provider_errors, schemas, secrets
from adapters.agents import process
from adapters.base import AgentCall, RawReply, Runtime, RuntimeSettings, RuntimeStatus, Usage
from adapters.errors import (
    AdapterError,
    AuthError,
    NotReady,
    PermanentError,
    RuntimeTimeout,
    TransientError,
)

MAX_PROMPT_BYTES = 120_000  # Linux caps one argv string at 128 KiB
SNAPSHOT_LIMIT = 20_000  # files; bigger workspaces rely on what the CLI reports
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv"})


class AgentCliSettings(RuntimeSettings):
    """`[runtimes.claude-code]` and friends."""

    executable: str | None = Field(default=None, description="path or name on PATH")
    extra_args: list[str] = Field(default_factory=list, description="appended before the prompt")
    allow_write_roles: list[str] = Field(
        default_factory=list, description='roles that may modify the workspace ("*" for all)'
    )
    env: dict[str, str] = Field(default_factory=dict, description="extra environment variables")
    version_timeout_s: float = Field(default=10.0, gt=0)
    kill_grace_s: float = Field(default=process.KILL_GRACE_S, ge=0)


@dataclass
class Invocation:
    """One call, resolved: where it runs, what it may do, and scratch space for the CLI."""

    call: AgentCall[Any]
    executable: str
    workspace: Path
    writable: bool
    scratch: Path
    model: str | None
    prompt: str
    env: dict[str, str] = field(default_factory=dict)


class Outcome(BaseModel):
    """What a vendor parser extracts from a successful run."""

    text: str
    model: str | None = None
    usage: Usage = Field(default_factory=Usage)
    session_id: str | None = None
    files_changed: list[str] = Field(default_factory=list)
    extra: dict[str, JsonValue] = Field(default_factory=dict)


class AgentCliRuntime(Runtime[AgentCliSettings]):
    """Base class: subclasses set the class vars and implement `argv` and `parse`."""

    Settings: ClassVar[type[RuntimeSettings]] = AgentCliSettings
    default_executable: ClassVar[str]
    package: ClassVar[str]  # npm package, for install hints
    native_schema: ClassVar[bool] = False  # the CLI enforces the output schema itself

    # -- vendor hooks ---------------------------------------------------------------------

    @abstractmethod
    def argv(self, inv: Invocation) -> list[str]:
        """The full command line, executable first, prompt last."""

    def environment(self, inv: Invocation) -> dict[str, str]:
        """Variables added on top of the inherited environment (quiet, offline side-traffic)."""
        return {}

    @abstractmethod
    def parse(self, done: process.Finished, inv: Invocation) -> Outcome:
        """Read the CLI's output; raise an `adapters.errors` error for any failure signal."""

    # -- the Runtime contract -------------------------------------------------------------

    def prepare(self) -> None:
        """The executable must be on PATH (or where `executable` says); nothing is run."""
        if self._which(self._base_env()) is None:
            raise NotReady(self._missing_hint())

    def model_for(self, call: AgentCall[Any] | None = None) -> str:
        return (call.model if call else None) or self.settings.model or f"{self.name}-default"

    def status(self) -> RuntimeStatus:
        executable = self._which(self._base_env())
        if executable is None:
            return RuntimeStatus(usable=False, detail=self._missing_hint())
        version = process.cli_version(executable, self.settings.version_timeout_s)
        if version is None:
            return RuntimeStatus(
                usable=False, detail=f"{executable}: `--version` failed or timed out"
            )
        return RuntimeStatus(usable=True, detail=f"{executable} (version {version})")

    def invoke(self, call: AgentCall[Any]) -> RawReply:
        env = self._base_env()
        executable = self._which(env)
        if executable is None:
            raise PermanentError(self._missing_hint())
        writable = _may_write(call.role, self.settings.allow_write_roles)
        with _workspace(call.workspace) as workspace, _scratch(self.name) as scratch:
            inv = Invocation(
                call=call,
                executable=executable,
                workspace=workspace,
                writable=writable,
                scratch=scratch,
                model=call.model or self.settings.model,
                prompt=build_prompt(call, workspace, writable, native_schema=self.native_schema),
                env=env,
            )
            if len(inv.prompt.encode()) > MAX_PROMPT_BYTES:
                raise PermanentError(
                    f"{self.name}: prompt is {len(inv.prompt.encode())} bytes, over the "
                    f"{MAX_PROMPT_BYTES}-byte argv limit; shorten the work item"
                )
            inv.env = {**env, **self.environment(inv), **self.settings.env}  # settings win
            # Only a writing run is diffed: read-only roles may share the workspace with a
            # writer running in parallel, whose changes must not be pinned on them.
            before = snapshot(workspace) if writable else None
            done = self._run(inv)
            try:
                outcome = self.parse(done, inv)
            except AdapterError as exc:
                raise type(exc)(redact(str(exc), inv.env), retry_after=exc.retry_after) from None
            after = snapshot(workspace) if writable else None
            changed = set(outcome.files_changed) | diff(before, after)
        version = process.cli_version(executable, self.settings.version_timeout_s)
        extra: dict[str, JsonValue] = {
            "exit_status": done.returncode,
            "cli_version": version,
            "files_changed": list(sorted({_relative(p, workspace) for p in changed})),
            "write_allowed": writable,
            "workspace": str(call.workspace) if call.workspace else None,
            "duration_s": done.duration_s,
            **outcome.extra,
        }
        return RawReply(
            text=outcome.text,
            model=outcome.model or self.model_for(call),
            usage=outcome.usage,
            session_id=outcome.session_id,
            extra=extra,
        )

    # -- helpers --------------------------------------------------------------------------

    def _run(self, inv: Invocation) -> process.Finished:
        timeout = self._deadline(inv.call)
        try:
            return process.run(
                self.argv(inv),
                cwd=inv.workspace,
                env=inv.env,
                timeout_s=timeout,
                grace_s=self.settings.kill_grace_s,
            )
        except process.DeadlineExceeded:
            raise RuntimeTimeout(
                f"{self.name} ran past its {timeout:g}s deadline; its process group was killed"
            ) from None
        except OSError as exc:
            raise PermanentError(f"{self.name}: cannot start {inv.executable}: {exc}") from None

    def _deadline(self, call: AgentCall[Any]) -> float:
        """The call's timeout (which the executor already cut to what the overall deadline
        leaves), and never more than a `timeout_s` set on this runtime."""
        if "timeout_s" in self.settings.model_fields_set:
            return min(call.timeout_s, self.settings.timeout_s)
        return call.timeout_s

    def _base_env(self) -> dict[str, str]:
        return {**os.environ, "NO_COLOR": "1", **self.settings.env}

    def _which(self, env: Mapping[str, str]) -> str | None:
        wanted = self.settings.executable or self.default_executable
        if os.sep in wanted:
            path = Path(wanted).expanduser()
            return str(path) if path.is_file() and os.access(path, os.X_OK) else None
        return shutil.which(wanted, path=env.get("PATH"))

    def _missing_hint(self) -> str:
        wanted = self.settings.executable or self.default_executable
        return (
            f"{wanted!r} not found (install with `npm install -g {self.package}`, or set "
            f"`executable` under [runtimes.{self.name}])"
        )

    def failure(self, message: str, *, status: int | None = None, kind: str = "") -> AdapterError:
        """A CLI-reported failure, classified the way the API runtimes classify theirs."""
        return classify(f"{self.name}: {message}", status=status, kind=kind)


# -- prompt -------------------------------------------------------------------------------


def build_prompt(
    call: AgentCall[Any], workspace: Path, writable: bool, *, native_schema: bool
) -> str:
    """System and user prompt plus the ground rules of a headless run."""
    mode = (
        "You may edit files in this workspace to carry out your plan; keep changes minimal."
        if writable
        else "Read-only: inspect files and run read-only commands, but change nothing."
    )
    parts = [
        call.system.strip(),
        call.user.strip(),
        f"## Workspace\nYou are in {workspace}. {mode}",
    ]
    if call.feedback:
        parts.append(f"## Your previous answer was rejected\n{call.feedback}\nFix that.")
    if native_schema:
        parts.append(
            "## Answer\nFinish with your answer as structured output matching the given schema."
        )
    else:
        parts.append(f"## Answer\n{schemas.answer_instruction(call.output_type)}")
    return "\n\n".join(p for p in parts if p)


# -- errors -------------------------------------------------------------------------------

_AUTH = re.compile(
    r"\b(401|403)\b|unauthori[sz]ed|forbidden|authenticat|not logged in|/login|"
    r"invalid api key|api key (is )?(missing|not set|invalid)|credential",
    re.IGNORECASE,
)
_TRANSIENT = re.compile(
    r"\b(408|409|425|429|5\d\d)\b|rate.?limit|overloaded|too many requests|timed? ?out|"
    r"temporar|high demand|connection|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network|unavailable|"
    r"stream disconnected",
    re.IGNORECASE,
)


def classify(message: str, *, status: int | None = None, kind: str = "") -> AdapterError:
    """Status code first, then the words the CLIs use; unknown failures are permanent."""
    message = message.strip() or "failed without a message"
    if kind.lower() in ("authentication", "auth", "authentication_error"):
        return AuthError(message)
    if status is not None and status >= 400:
        return provider_errors.error_class(status)(message)
    if _AUTH.search(message):
        return AuthError(message)
    if _TRANSIENT.search(message):
        return TransientError(message)
    return PermanentError(message)


def garbage(name: str, done: process.Finished, expected: str) -> AdapterError:
    """Output we cannot read at all: a wrong executable, an incompatible version, a crash."""
    head = (done.stdout.strip() or done.stderr.strip())[:200]
    if done.returncode != 0:
        return classify(f"{name} exited with status {done.returncode}: {tail(done.stderr) or head}")
    return PermanentError(
        f"{name} printed output that is not {expected} (exit status 0); is the executable the "
        f"right CLI and version? First output: {head!r}"
    )


def jsonl_events(stdout: str) -> list[dict[str, Any]]:
    """The JSON objects with a `type` among the output lines; anything else is skipped."""
    events = []
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get("type"), str):
            events.append(event)
    return events


def tail(text: str, limit: int = 500) -> str:
    text = text.strip()
    return text if len(text) <= limit else "…" + text[-limit:]


_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)


def redact(text: str, env: Mapping[str, str]) -> str:
    """Keys never reach the ledger: mask known keys, key shapes and secret-named env values."""
    values = [v for k, v in env.items() if _SECRET_NAME.search(k) and len(v.strip()) >= 8]
    return secrets.redact(text, values)


# -- workspace ----------------------------------------------------------------------------


def _may_write(role: str, allowed: list[str]) -> bool:
    return "*" in allowed or role in allowed


@contextmanager
def _workspace(requested: Path | None) -> Iterator[Path]:
    """The user's directory as given, or a fresh empty one removed afterwards."""
    if requested is not None:
        path = Path(requested).expanduser().resolve()
        if not path.is_dir():
            raise PermanentError(f"workspace {path} is not a directory")
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="orchestrate-workspace-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _scratch(name: str) -> Iterator[Path]:
    """Schema and output files for the CLI, kept out of the workspace."""
    path = Path(tempfile.mkdtemp(prefix=f"orchestrate-{name}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


Snapshot = dict[str, tuple[int, int]] | None


def snapshot(root: Path) -> Snapshot:
    """(size, mtime) per file, to see what a run changed; None for huge trees."""
    seen: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for filename in filenames:
            path = os.path.join(dirpath, filename)
            try:
                stat = os.lstat(path)
            except OSError:
                continue
            seen[path] = (stat.st_size, stat.st_mtime_ns)
            if len(seen) > SNAPSHOT_LIMIT:
                return None
    return seen


def diff(before: Snapshot, after: Snapshot) -> set[str]:
    if before is None or after is None:
        return set()
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def _relative(path: str, workspace: Path) -> str:
    try:
        return str((workspace / path).resolve().relative_to(workspace))
    except ValueError:
        return path
