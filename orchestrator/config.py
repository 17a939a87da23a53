"""Configuration: `orchestrate.toml` < `ORCHESTRATE_*` environment < `--runtime` flags.

With no file at all every role runs on `mock`, so the first command works offline.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from adapters import registry
from adapters.base import RuntimeSettings
from adapters.errors import AdapterError
from adapters.github.settings import GitHubSettings
from adapters.policy import RetryPolicy
from orchestrator.accounting import ModelPrice
from orchestrator.errors import InputError
from orchestrator.ledger import urls
from orchestrator.run.routing import DEFAULT_MATRIX, RouteSpec
from roles.registry import ROLE_NAMES, ROLES
from roles.triage import Severity

CONFIG_NAME = "orchestrate.toml"
RawTable = dict[str, Any]  # TOML as parsed, before the models validate it


class LedgerSection(BaseModel):
    """`[ledger]`: a directory (`path`), or a shared database (`url`, which wins)."""

    model_config = ConfigDict(extra="forbid")
    path: Path = Path("coordination")
    url: str | None = Field(default=None, description="postgresql://… selects PostgreSQL")

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str | None) -> str | None:
        if url is not None and not urls.is_postgres(url):
            raise ValueError(f"unsupported ledger URL {urls.redact(url)!r} (postgresql://…)")
        return url


class RoutingSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_review_rounds: int = Field(default=1, ge=0, le=10)
    matrix: dict[str, RouteSpec] = Field(default_factory=lambda: dict(DEFAULT_MATRIX))

    @field_validator("matrix")
    @classmethod
    def _all_kinds(cls, matrix: dict[str, RouteSpec]) -> dict[str, RouteSpec]:
        unknown = set(matrix) - set(DEFAULT_MATRIX)
        if unknown:
            raise ValueError(f"unknown kind(s) {sorted(unknown)}")
        return {**DEFAULT_MATRIX, **matrix}


class LimitsSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_text_chars: int = Field(default=32_000, ge=1)


class TriageSection(BaseModel):
    """`[triage]`: send only the items the gate is unsure of to a stronger runtime."""

    model_config = ConfigDict(extra="forbid")
    escalate_below: float | None = Field(
        default=None, ge=0, le=1, description="confidence under which a decision is escalated"
    )
    escalate_to: str | None = Field(default=None, description="the runtime that decides those")
    model: Path | None = Field(
        default=None, description="the offline model file (`orchestrate train`) mock triages with"
    )


class ApprovalsSection(BaseModel):
    """`[approvals]`: per kind, the roles that wait for a person before they start; at or
    above `severity_at_or_above` every item waits before its first stage."""

    model_config = ConfigDict(extra="forbid")
    bug: list[str] = Field(default_factory=list)
    feature: list[str] = Field(default_factory=list)
    incident: list[str] = Field(default_factory=list)
    severity_at_or_above: Severity | None = None

    @field_validator("bug", "feature", "incident")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {unknown} (known: {', '.join(ROLES)})")
        return roles

    def roles_for(self, kind: str) -> list[str]:
        roles: list[str] = getattr(self, kind, [])
        return roles


class QueueSection(BaseModel):
    """`[queue]`: detached items and the workers that claim them."""

    model_config = ConfigDict(extra="forbid")
    lease_s: float = Field(default=30.0, gt=0, description="a claim lapses unrenewed this long")
    poll_s: float = Field(default=0.2, gt=0, description="how often an idle worker looks")
    max_depth: int = Field(default=10_000, ge=1, description="waiting items before 429")
    grace_s: float = Field(default=30.0, ge=0, description="SIGTERM waits this long for runs")


class ServiceSection(BaseModel):
    """`[service]`: `orchestrate serve` — where it listens and what it takes."""

    model_config = ConfigDict(extra="forbid")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int = Field(default=2, ge=0, le=64, description="in-process worker slots")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="larger bodies get 413")
    body_timeout_s: float = Field(default=10.0, gt=0, description="a slower body gets 408")
    retry_after_s: int = Field(default=5, ge=1, description="what a 429 tells clients to wait")
    session_hours: float = Field(default=12.0, gt=0, description="a dashboard login lasts this")


class GraphSection(BaseModel):
    """`[graph]`: LangGraph checkpoints. The ledger records every step and each step checks
    it first, so resume never needs a per-step checkpoint: by default the graph's state is
    saved when a run stops (finished, blocked, waiting for a person, or cut short by an error),
    which costs one write instead of one per step. `async`/`sync` save every step too (for
    LangGraph's own time-travel tooling); `sync` waits for each before the next step."""

    model_config = ConfigDict(extra="forbid")
    checkpoint: bool = True
    durability: Literal["exit", "async", "sync"] = "exit"


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ledger: LedgerSection = Field(default_factory=LedgerSection)
    roles: dict[str, str] = Field(default_factory=dict)
    fallback: dict[str, list[str]] = Field(default_factory=dict)
    runtimes: dict[str, RuntimeSettings] = Field(default_factory=dict)
    routing: RoutingSection = Field(default_factory=RoutingSection)
    limits: LimitsSection = Field(default_factory=LimitsSection)
    triage: TriageSection = Field(default_factory=TriageSection)
    approvals: ApprovalsSection = Field(default_factory=ApprovalsSection)
    queue: QueueSection = Field(default_factory=QueueSection)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    prices: dict[str, ModelPrice] = Field(default_factory=dict)
    graph: GraphSection = Field(default_factory=GraphSection)
    service: ServiceSection = Field(default_factory=ServiceSection)
    github: GitHubSettings = Field(default_factory=GitHubSettings)
    source: str = Field(default="defaults", exclude=True)

    @property
    def ledger_path(self) -> Path:
        return self.ledger.path

    def runtime_for(self, role: str) -> str:
        return self.roles.get(role, "mock")

    def chain_for(self, role: str) -> list[str]:
        """The role's runtime, then its fallbacks (without repeats)."""
        chain = [self.runtime_for(role), *self.fallback.get(role, [])]
        return list(dict.fromkeys(chain))


def parse_assignments(items: Sequence[str], origin: str) -> dict[str, str]:
    """`ROLE=NAME` pairs (ROLE may be `all`) from flags or `ORCHESTRATE_RUNTIME`."""
    out: dict[str, str] = {}
    for item in items:
        role, sep, name = item.partition("=")
        role, name = role.strip(), name.strip()
        if not sep or not role or not name:
            raise InputError(f"{origin}: expected ROLE=RUNTIME, got {item!r}")
        out[role] = name
    return out


def _apply_roles(roles: dict[str, str], assignments: Mapping[str, str]) -> dict[str, str]:
    merged = dict(roles)
    if "all" in assignments:
        merged = dict.fromkeys(ROLE_NAMES, assignments["all"])
    merged.update({r: n for r, n in assignments.items() if r != "all"})
    return merged


def with_roles(config: Config, assignments: Sequence[str]) -> Config:
    """A copy of `config` with `ROLE=NAME` assignments applied and checked (a retry's
    `--runtime`): an unknown role or runtime is one InputError line."""
    roles = _apply_roles(config.roles, parse_assignments(assignments, "--runtime"))
    changed = config.model_copy(update={"roles": roles})
    _check_names(changed)
    return changed


def _check_names(config: Config) -> None:
    for role, runtime in config.roles.items():
        if role not in ROLE_NAMES:
            raise InputError(f"unknown role {role!r} (known: {', '.join(ROLE_NAMES)}, all)")
        _check_runtime(runtime)
    for role, chain in config.fallback.items():
        if role not in ROLE_NAMES:
            raise InputError(f"[fallback]: unknown role {role!r}")
        for runtime in chain:
            _check_runtime(runtime)
    if config.triage.escalate_to is not None:
        _check_runtime(config.triage.escalate_to, "[triage] escalate_to")


def _check_runtime(name: str, where: str = "") -> None:
    if not registry.is_known(name):
        known = ", ".join(registry.names())
        raise InputError(
            f"{where + ': ' if where else ''}unknown runtime {name!r} (known: {known})"
        )


def _read_file(path: Path) -> RawTable:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"config file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"malformed config {path}: {exc}") from None
    except OSError as exc:
        raise InputError(f"cannot read config {path}: {exc.strerror}") from None


def _find_file(explicit: Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit is not None:
        return explicit
    if env.get("ORCHESTRATE_CONFIG"):
        return Path(env["ORCHESTRATE_CONFIG"])
    local = Path.cwd() / CONFIG_NAME
    return local if local.is_file() else None


_TABLES = (
    "ledger",
    "roles",
    "fallback",
    "runtimes",
    "routing",
    "limits",
    "retry",
    "prices",
    "graph",
    "triage",
    "queue",
    "service",
    "github",
    "approvals",
)


def _require_tables(raw: RawTable, origin: str) -> None:
    """Each top-level key is a table; say so before layering tries to merge into it."""
    for name in _TABLES:
        if name in raw and not isinstance(raw[name], dict):
            raise InputError(f"invalid config ({origin}): [{name}] must be a table")


def _env_layer(raw: RawTable, env: Mapping[str, str]) -> RawTable:
    layered = dict(raw)
    if env.get("ORCHESTRATE_LEDGER"):
        layered["ledger"] = _ledger_layer(layered, env["ORCHESTRATE_LEDGER"])
    if env.get("ORCHESTRATE_MAX_REVIEW_ROUNDS"):
        routing = {**layered.get("routing", {})}
        routing["max_review_rounds"] = env["ORCHESTRATE_MAX_REVIEW_ROUNDS"]
        layered["routing"] = routing
    roles = dict(layered.get("roles", {}))
    if env.get("ORCHESTRATE_RUNTIME"):
        items = [p for p in env["ORCHESTRATE_RUNTIME"].split(",") if p.strip()]
        roles = _apply_roles(roles, parse_assignments(items, "ORCHESTRATE_RUNTIME"))
    layered["roles"] = roles
    return layered


def _ledger_layer(layered: RawTable, location: str) -> RawTable:
    """A directory sets `path` (and drops a file's `url`); a database URL sets `url`."""
    table = {k: v for k, v in layered.get("ledger", {}).items() if k != "url"}
    if urls.scheme_of(location) is not None:
        return {**table, "url": location}
    return {**table, "path": location}


def _invalid(exc: ValidationError, origin: str, prefix: tuple[str | int, ...] = ()) -> InputError:
    """The first problem as one line naming the file and the key: `runtimes.mock.latncy_ms`."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in (*prefix, *err["loc"]))
    msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    return InputError(f"invalid config ({origin}): {where}: {msg}")


def _runtime_settings(tables: object, origin: str) -> dict[str, RuntimeSettings]:
    """Each `[runtimes.NAME]` against that runtime's own Settings: typos and bad types fail
    here, before anything runs, rather than mid-run."""
    if not isinstance(tables, dict):
        raise InputError(f"invalid config ({origin}): [runtimes] must be a table")
    out: dict[str, RuntimeSettings] = {}
    for name, table in tables.items():
        _check_runtime(name, f"invalid config ({origin}): [runtimes.{name}]")
        if not isinstance(table, dict):
            raise InputError(f"invalid config ({origin}): [runtimes.{name}] must be a table")
        try:
            out[name] = registry.settings_for(name, table)
        except ValidationError as exc:
            raise _invalid(exc, origin, ("runtimes", name)) from None
        except AdapterError as exc:
            raise InputError(f"invalid config ({origin}): {exc}") from None
    return out


def _with_triage_model(
    runtimes: dict[str, RuntimeSettings], model: Path | None, file: Path | None, origin: str
) -> dict[str, RuntimeSettings]:
    """`[triage] model` is the mock runtime's to read: hand it the path (relative to the
    config file), so a run, a `triage` and a replay afresh all classify with it."""
    if model is None:
        return runtimes
    path = model if model.is_absolute() or file is None else file.parent / model
    mock = runtimes.get("mock")
    table = mock.model_dump(exclude_unset=True) if mock is not None else {}
    try:
        settings = registry.settings_for("mock", {**table, "triage_model": str(path)})
    except (ValidationError, AdapterError) as exc:
        raise InputError(f"invalid config ({origin}): [triage] model: {exc}") from None
    return {**runtimes, "mock": settings}


def load_config(
    path: Path | None = None,
    *,
    runtime_flags: Sequence[str] = (),
    ledger: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Build the effective configuration; any bad value is one InputError line."""
    env = os.environ if env is None else env
    file = _find_file(path, env)
    origin = str(file) if file else "environment"
    raw = _read_file(file) if file is not None else {}
    _require_tables(raw, origin)
    if "roles" in raw and isinstance(raw["roles"], dict) and "all" in raw["roles"]:
        raw["roles"] = _apply_roles({}, raw["roles"])
    layered = _env_layer(raw, env)
    layered["roles"] = _apply_roles(
        layered.get("roles", {}), parse_assignments(runtime_flags, "--runtime")
    )
    if ledger is not None:
        layered["ledger"] = _ledger_layer(layered, urls.from_flag(str(ledger)))
    runtimes = _runtime_settings(layered.pop("runtimes", {}), origin)
    try:
        config = Config.model_validate(layered)
    except ValidationError as exc:
        raise _invalid(exc, origin) from None
    config.runtimes = _with_triage_model(runtimes, config.triage.model, file, origin)
    config.source = str(file) if file else "defaults"
    _check_names(config)
    return config
