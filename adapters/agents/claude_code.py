"""The `claude-code` runtime: `claude -p --output-format json --json-schema SCHEMA`.

Claude Code enforces the schema itself (a StructuredOutput tool it validates) and prints one
result object: `structured_output`/`result`, `is_error`, `session_id`, `usage`. Read-only
runs drop the tools that write or execute and deny anything that would ask permission.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import JsonValue

from adapters.agents import process
from adapters.agents.cli import AgentCliRuntime, Invocation, Outcome, garbage, tail
from adapters.base import Usage
from adapters.errors import InvalidReply
from adapters.schemas import plain_schema

READ_ONLY_DENIED = ("Bash", "Edit", "MultiEdit", "Write", "NotebookEdit")
CLI_RETRIES = 2


class ClaudeCodeRuntime(AgentCliRuntime):
    name: ClassVar[str] = "claude-code"
    default_executable: ClassVar[str] = "claude"
    package: ClassVar[str] = "@anthropic-ai/claude-code"
    native_schema: ClassVar[bool] = True

    def argv(self, inv: Invocation) -> list[str]:
        schema = json.dumps(plain_schema(inv.call.output_type), separators=(",", ":"))
        args = [inv.executable, "-p", "--output-format", "json", "--json-schema", schema]
        if inv.writable:
            args += ["--permission-mode", "acceptEdits"]
        else:
            args += [
                "--permission-mode",
                "dontAsk",
                f"--disallowedTools={','.join(READ_ONLY_DENIED)}",
            ]
        if inv.model:
            args += ["--model", inv.model]
        return [*args, *self.settings.extra_args, "--", inv.prompt]

    def environment(self, inv: Invocation) -> dict[str, str]:
        env = {
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            # Claude Code retries API errors, 401 included, ten times with growing pauses;
            # the executor owns retrying, so keep the CLI's own short unless the user says.
            "CLAUDE_CODE_MAX_RETRIES": inv.env.get("CLAUDE_CODE_MAX_RETRIES", str(CLI_RETRIES)),
        }
        if self.settings.base_url:
            env["ANTHROPIC_BASE_URL"] = self.settings.base_url
        return env

    def parse(self, done: process.Finished, inv: Invocation) -> Outcome:
        data = _result_object(done.stdout)
        if data is None:
            raise garbage(self.name, done, "a `--output-format json` result object")
        result = str(data.get("result") or "")
        subtype = str(data.get("subtype") or "")
        if data.get("is_error") or subtype.startswith("error"):
            status = data.get("api_error_status")
            raise self.failure(
                result or subtype or "is_error without a message",
                status=status if isinstance(status, int) else None,
            )
        if done.returncode != 0:
            raise self.failure(
                f"exited with status {done.returncode}: {result or tail(done.stderr)}"
            )
        structured = data.get("structured_output")
        text = json.dumps(structured) if isinstance(structured, dict | list) else result
        if not text.strip():
            raise InvalidReply(f"{self.name}: the run ended without a final answer")
        return Outcome(
            text=text,
            model=_main_model(data.get("modelUsage")),
            usage=_usage(data.get("usage")),
            session_id=data.get("session_id") if isinstance(data.get("session_id"), str) else None,
            extra=_extra(data),
        )


def _result_object(stdout: str) -> dict[str, Any] | None:
    """The whole output is one object; tolerate stray lines before it."""
    candidates = [stdout.strip(), *reversed(stdout.strip().splitlines())]
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("type") == "result":
            return data
    return None


def _usage(raw: object) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    fed = sum(
        int(raw.get(k) or 0)
        for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
    return Usage(input_tokens=fed, output_tokens=int(raw.get("output_tokens") or 0))


def _main_model(raw: object) -> str | None:
    """The model that did most of the work (Claude Code also calls a small one on the side)."""
    if not isinstance(raw, dict) or not raw:
        return None

    def weight(item: tuple[str, Any]) -> int:
        stats = item[1] if isinstance(item[1], dict) else {}
        return int(stats.get("outputTokens") or 0) + int(stats.get("inputTokens") or 0)

    return str(max(raw.items(), key=weight)[0])


def _extra(data: dict[str, Any]) -> dict[str, JsonValue]:
    denials = data.get("permission_denials") or []
    denied = [d.get("tool_name") for d in denials if isinstance(d, dict) and d.get("tool_name")]
    extra: dict[str, JsonValue] = {"num_turns": data.get("num_turns"), "permission_denials": denied}
    if isinstance(data.get("total_cost_usd"), int | float):
        extra["cost_usd"] = data["total_cost_usd"]
    return extra
