"""The `codex-cli` runtime: `codex exec --json --output-schema FILE -s read-only`.

Codex prints JSONL events: `thread.started` (the session id), `item.completed` (agent
messages, file changes), `turn.completed` (usage) or `turn.failed`/`error`. The sandbox
flag is the read-only/write switch; `--output-schema` makes the final message schema-bound.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from adapters.agents import process
from adapters.agents.cli import AgentCliRuntime, Invocation, Outcome, garbage, jsonl_events, tail
from adapters.base import Usage
from adapters.errors import InvalidReply
from adapters.schemas import strict_schema

QUIET = (
    "check_for_update_on_startup=false",
    "analytics.enabled=false",
    'approval_policy="never"',
)


class CodexCliRuntime(AgentCliRuntime):
    name: ClassVar[str] = "codex-cli"
    default_executable: ClassVar[str] = "codex"
    package: ClassVar[str] = "@openai/codex"
    native_schema: ClassVar[bool] = True

    def argv(self, inv: Invocation) -> list[str]:
        schema_file = inv.scratch / "output-schema.json"
        schema_file.write_text(json.dumps(strict_schema(inv.call.output_type)))
        args = [
            inv.executable,
            "exec",
            "--json",
            "--skip-git-repo-check",
            "--sandbox",
            "workspace-write" if inv.writable else "read-only",
            "--cd",
            str(inv.workspace),
            "--output-schema",
            str(schema_file),
            "--output-last-message",
            str(inv.scratch / "last-message.txt"),
        ]
        for override in (*QUIET, *self._provider()):
            args += ["-c", override]
        if inv.model:
            args += ["--model", inv.model]
        return [*args, *self.settings.extra_args, "--", inv.prompt]

    def _provider(self) -> list[str]:
        """`base_url` set: a model provider of our own, keyed by OPENAI_API_KEY."""
        if not self.settings.base_url:
            return []
        table = (
            f'{{ name = "orchestrate", base_url = {json.dumps(self.settings.base_url)}, '
            'wire_api = "responses", env_key = "OPENAI_API_KEY" }'
        )
        return ['model_provider="orchestrate"', f"model_providers.orchestrate={table}"]

    def parse(self, done: process.Finished, inv: Invocation) -> Outcome:
        events = jsonl_events(done.stdout)
        if not events:
            raise garbage(self.name, done, "`--json` JSONL events")
        session_id: str | None = None
        messages: list[str] = []
        files: list[str] = []
        usage = Usage()
        completed = False
        failed: str | None = None
        last_error: str | None = None
        for event in events:
            kind = event.get("type")
            if kind == "thread.started" and isinstance(event.get("thread_id"), str):
                session_id = event["thread_id"]
            elif kind == "item.completed" and isinstance(event.get("item"), dict):
                item = event["item"]
                if item.get("type") == "agent_message" and isinstance(item.get("text"), str):
                    messages.append(item["text"])
                elif item.get("type") == "file_change":
                    files += [
                        c["path"]
                        for c in item.get("changes") or []
                        if isinstance(c, dict) and isinstance(c.get("path"), str)
                    ]
            elif kind == "turn.completed":
                completed = True
                usage = _add(usage, event.get("usage"))
            elif kind == "turn.failed":
                error = event.get("error")
                failed = str(error.get("message") if isinstance(error, dict) else error)
            elif kind == "error":
                last_error = str(event.get("message") or "")
        if failed is not None:
            raise self.failure(f"turn.failed: {failed}")
        if not completed:
            why = last_error or tail(done.stderr) or "no turn.completed event"
            raise self.failure(f"exited with status {done.returncode} before finishing: {why}")
        if done.returncode != 0:
            raise self.failure(f"exited with status {done.returncode}: {tail(done.stderr)}")
        text = messages[-1] if messages else _read(inv.scratch / "last-message.txt")
        if not text.strip():
            raise InvalidReply(f"{self.name}: the turn completed without a final message")
        return Outcome(
            text=text,
            model=inv.model,
            usage=usage,
            session_id=session_id,
            files_changed=files,
        )


def _add(total: Usage, raw: object) -> Usage:
    if not isinstance(raw, dict):
        return total
    return Usage(
        input_tokens=total.input_tokens + int(raw.get("input_tokens") or 0),
        output_tokens=total.output_tokens + int(raw.get("output_tokens") or 0),
    )


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
