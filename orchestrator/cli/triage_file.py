"""`orchestrate triage --file ITEMS.jsonl`: one decision per line, in order.

A bad line is reported on stderr with its line number and skipped, so one typo does not cost
the rest of the file; the exit status says whether any line failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel, ValidationError

from adapters.errors import AdapterError
from orchestrator.errors import InputError, NotFoundError, OrchestrateError
from orchestrator.run import intake
from orchestrator.run.runner import Orchestrator


class Item(BaseModel):
    """One line of the input: the text, and an id to echo back (default: the line number)."""

    text: str
    id: str | int | None = None


def _read(file: Path) -> str:
    try:
        return intake.decode(file.read_bytes(), str(file))
    except FileNotFoundError:
        raise NotFoundError(f"no such file: {file}") from None
    except IsADirectoryError:
        raise InputError(f"{file} is a directory, not a JSON Lines file") from None
    except OSError as exc:
        raise NotFoundError(f"cannot read {file}: {exc.strerror}") from None


def _item(line: str) -> Item:
    try:
        return Item.model_validate_json(line)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise InputError("not a JSON object (each line is one JSON object)") from None
        if first["type"] == "missing" and first["loc"] == ("text",):
            raise InputError('no "text" field (each line needs {"text": "…"})') from None
        where = ".".join(str(p) for p in first["loc"]) or "the line"
        raise InputError(f"{where}: {first['msg']}") from None


def triage_file(orch: Orchestrator, file: Path, as_json: bool) -> int:
    """Print one decision per good line; return how many lines failed."""
    failures = 0
    out = sys.stdout
    for number, line in enumerate(_read(file).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = _item(line)
            verdict = orch.triage(item.text)
        except (OrchestrateError, AdapterError) as exc:
            failures += 1
            print(f"error: {file}:{number}: {exc}", file=sys.stderr)
            continue
        item_id = str(item.id if item.id is not None else number)
        d = verdict.decision
        if as_json:
            row = {"id": item_id, **d.model_dump(mode="json"), "route": verdict.route,
                   "runtime": verdict.reply.runtime}  # fmt: skip
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            unsure = "\tneeds review" if d.needs_review else ""
            out.write(
                f"{item_id}\t{d.kind}\t{d.severity}\t{d.priority}\t{d.confidence:.2f}{unsure}\n"
            )
    return failures
