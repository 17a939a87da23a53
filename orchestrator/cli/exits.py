"""The one table of exit codes every command follows, and what each command uses of it.

`orchestrate --help`, each command's `--help` and the README print it from here, and a test
checks that every command exits with these codes and no others.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FAILED = 1  # blocked, changed, or broken: the command ran and the answer is "no"
    BAD_INPUT = 2
    NOT_FOUND = 3
    ILLEGAL = 4
    DAMAGED = 5
    NO_RUNTIME = 6
    BUSY = 7
    WAITING = 8
    INTERNAL = 70
    INTERRUPTED = 130
    PIPE_CLOSED = 141


MEANING: dict[Exit, str] = {
    Exit.OK: "ok",
    Exit.FAILED: "blocked, changed or broken (the command's own no)",
    Exit.BAD_INPUT: "bad input, usage or config",
    Exit.NOT_FOUND: "not found or not accessible (request, ledger, file)",
    Exit.ILLEGAL: "the item's state does not allow it",
    Exit.DAMAGED: "ledger or checkpoint store damaged (`orchestrate verify` says where)",
    Exit.NO_RUNTIME: "no usable runtime for a role",
    Exit.BUSY: "another process is working the item",
    Exit.WAITING: "waiting for a person",
    Exit.INTERNAL: "a bug in orchestrate (ORCHESTRATE_DEBUG=1 shows the traceback)",
    Exit.INTERRUPTED: "interrupted (Ctrl-C); the item can be resumed",
    Exit.PIPE_CLOSED: "the reader of the output went away",
}

_COMMON = (Exit.BAD_INPUT, Exit.INTERNAL, Exit.INTERRUPTED, Exit.PIPE_CLOSED)

# What each command can answer besides the common codes, and what 0 and 1 mean for it.
COMMANDS: dict[str, dict[Exit, str]] = {
    "submit": {
        Exit.OK: "closed",
        Exit.FAILED: "blocked",
        Exit.NOT_FOUND: "file not found",
        Exit.DAMAGED: "damaged store",
        Exit.NO_RUNTIME: "no usable runtime",
        Exit.BUSY: "busy",
        Exit.WAITING: "waiting for a person",
    },
    "triage": {Exit.OK: "decided", Exit.NOT_FOUND: "file not found", Exit.NO_RUNTIME: "no runtime"},
    "list": {Exit.OK: "listed", Exit.NOT_FOUND: "no ledger", Exit.DAMAGED: "damaged"},
    "show": {Exit.OK: "shown", Exit.NOT_FOUND: "unknown request", Exit.DAMAGED: "damaged"},
    "verify": {Exit.OK: "sound", Exit.FAILED: "broken", Exit.NOT_FOUND: "unknown request"},
    "reindex": {Exit.OK: "rebuilt", Exit.NOT_FOUND: "no ledger", Exit.DAMAGED: "damaged"},
    "replay": {
        Exit.OK: "unchanged",
        Exit.FAILED: "changed",
        Exit.NOT_FOUND: "unknown request",
        Exit.DAMAGED: "damaged",
        Exit.NO_RUNTIME: "runtime failed",
    },
    "resume": {
        Exit.OK: "closed",
        Exit.FAILED: "blocked",
        Exit.NOT_FOUND: "unknown request",
        Exit.ILLEGAL: "already finished",
        Exit.DAMAGED: "damaged (or, with --all, an item it could not resume)",
        Exit.NO_RUNTIME: "no usable runtime",
        Exit.BUSY: "busy",
        Exit.WAITING: "waiting for a person",
    },
    "worker": {Exit.OK: "stopped or drained", Exit.NOT_FOUND: "no ledger"},
    "serve": {Exit.OK: "stopped", Exit.NO_RUNTIME: "no usable runtime"},
    "runtimes": {Exit.OK: "listed", Exit.NO_RUNTIME: "a probe of a runtime in use failed"},
    "graph": {Exit.OK: "printed"},
    "init": {Exit.OK: "written", Exit.NOT_FOUND: "cannot write there"},
    "approve": {
        Exit.OK: "approved and closed",
        Exit.FAILED: "blocked",
        Exit.NOT_FOUND: "unknown request",
        Exit.ILLEGAL: "not waiting for approval",
        Exit.NO_RUNTIME: "no usable runtime",
        Exit.BUSY: "busy",
        Exit.WAITING: "waiting for a person (a later stage)",
    },
    "reject": {
        Exit.FAILED: "rejected (blocked)",
        Exit.NOT_FOUND: "unknown request",
        Exit.ILLEGAL: "not waiting for approval",
        Exit.BUSY: "busy",
    },
    "reclassify": {
        Exit.OK: "corrected (an open item ran on to CLOSED)",
        Exit.FAILED: "blocked",
        Exit.NOT_FOUND: "unknown request",
        Exit.ILLEGAL: "not triaged yet",
        Exit.NO_RUNTIME: "no usable runtime",
        Exit.BUSY: "busy",
        Exit.WAITING: "waiting for a person",
    },
    "retry": {
        Exit.OK: "closed",
        Exit.FAILED: "blocked again",
        Exit.NOT_FOUND: "unknown request",
        Exit.ILLEGAL: "not BLOCKED",
        Exit.NO_RUNTIME: "no usable runtime",
        Exit.BUSY: "busy",
        Exit.WAITING: "waiting for a person",
    },
    "accuracy": {Exit.OK: "reported", Exit.NOT_FOUND: "no ledger"},
    "train": {Exit.OK: "trained", Exit.NOT_FOUND: "no ledger or data file"},
    "db upgrade": {Exit.OK: "up to date", Exit.NOT_FOUND: "database unreachable"},
    "db copy": {
        Exit.OK: "copied, both sides verify",
        Exit.NOT_FOUND: "no source ledger, or database unreachable",
        Exit.DAMAGED: "a side does not verify",
    },
}


def allowed(command: str) -> set[int]:
    return {*COMMANDS.get(command, {}), *_COMMON}


def epilog(command: str) -> str:
    """`Exit codes: 0 closed · 1 blocked · 2 bad input …` for one command's --help."""
    own = COMMANDS.get(command, {})
    parts = [f"{int(code)} {what}" for code, what in sorted(own.items())]
    parts += [f"{int(code)} {MEANING[code].split(' (')[0]}" for code in _COMMON]
    return "Exit codes: " + " · ".join(parts)


def table() -> str:
    """The whole table, one line a code, for `orchestrate --help` and the README."""
    return "\n".join(f"{int(code):>4}  {text}" for code, text in MEANING.items())
