"""The `copilot-cli` runtime: `copilot -p PROMPT --output-format json --allow-all-tools`.

Copilot CLI prints JSONL session events: `assistant.message` (the answer, the model),
`session.error` (with a status code and error type), and a final `result` (session id, exit
code, modified files). It has no schema flag, so the JSON shape is instructed in the prompt.
Token usage comes from `--usage-output-file`. Read-only runs deny the `write` and `shell`
tool kinds, which beats `--allow-all-tools`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from adapters.agents import process
from adapters.agents.cli import AgentCliRuntime, Invocation, Outcome, garbage, jsonl_events, tail
from adapters.base import Usage
from adapters.errors import InvalidReply

READ_ONLY_DENIED = ("write", "shell")


class CopilotCliRuntime(AgentCliRuntime):
    name: ClassVar[str] = "copilot-cli"
    default_executable: ClassVar[str] = "copilot"
    package: ClassVar[str] = "@github/copilot"

    def argv(self, inv: Invocation) -> list[str]:
        args = [
            inv.executable,
            f"--prompt={inv.prompt}",
            "--output-format",
            "json",
            "--no-auto-update",
            "--disable-client-telemetry",
            "--no-ask-user",
            "--no-color",
            "--allow-all-tools",
            f"--usage-output-file={inv.scratch / 'usage.json'}",
        ]
        if not inv.writable:
            args += [f"--deny-tool={kind}" for kind in READ_ONLY_DENIED]
        if inv.model:
            args += ["--model", inv.model]
        return [*args, *self.settings.extra_args]

    def environment(self, inv: Invocation) -> dict[str, str]:
        env = {"COPILOT_AUTO_UPDATE": "false"}
        if self.settings.base_url:
            env["COPILOT_PROVIDER_BASE_URL"] = self.settings.base_url
        if "COPILOT_PROVIDER_BASE_URL" in {**inv.env, **env} and "COPILOT_OFFLINE" not in inv.env:
            env["COPILOT_OFFLINE"] = "true"  # own provider: no GitHub auth, telemetry or update
        return env

    def parse(self, done: process.Finished, inv: Invocation) -> Outcome:
        events = jsonl_events(done.stdout)
        if not events:
            raise garbage(self.name, done, "`--output-format json` JSONL events")
        texts: list[str] = []
        model: str | None = None
        files: list[str] = []
        result: dict[str, Any] | None = None
        for event in events:
            data = _mapping(event.get("data"))
            kind = event.get("type")
            if kind == "assistant.message":
                if isinstance(data.get("content"), str) and data["content"].strip():
                    texts.append(data["content"])
                model = data.get("model") if isinstance(data.get("model"), str) else model
            elif kind == "tool.execution_complete":
                edits = data.get("fileEdits") or []
                files += [
                    e["path"]
                    for e in edits
                    if isinstance(e, dict) and isinstance(e.get("path"), str)
                ]
            elif kind == "session.error":
                status = data.get("statusCode")
                raise self.failure(
                    f"session.error: {data.get('message') or data.get('errorType')}",
                    status=status if isinstance(status, int) else None,
                    kind=str(data.get("errorType") or ""),
                )
            elif kind == "result":
                result = event
        if result is None:
            raise self.failure(
                f"exited with status {done.returncode} without a result event: "
                f"{tail(done.stderr) or 'no message'}"
            )
        exit_code = result.get("exitCode")
        if done.returncode != 0 or (isinstance(exit_code, int) and exit_code != 0):
            raise self.failure(
                f"exited with status {done.returncode} (result exitCode {exit_code}): "
                f"{tail(done.stderr) or 'no message'}"
            )
        if not texts:
            raise InvalidReply(f"{self.name}: the session ended without an assistant message")
        usage = _mapping(result.get("usage"))
        changes = _mapping(usage.get("codeChanges"))
        files += [str(p) for p in changes.get("filesModified") or []]
        session_id = result.get("sessionId")
        return Outcome(
            text=texts[-1],
            model=model,
            usage=_usage(inv.scratch / "usage.json"),
            session_id=session_id if isinstance(session_id, str) else None,
            files_changed=files,
        )


def _usage(path: Path) -> Usage:
    """Sum the per-model token counts of `--usage-output-file`; zero when it is missing."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return Usage()
    metrics = data.get("modelMetrics") if isinstance(data, dict) else None
    total = Usage()
    for stats in (metrics or {}).values():
        used = stats.get("usage") if isinstance(stats, dict) else None
        if isinstance(used, dict):
            total.input_tokens += int(used.get("inputTokens") or 0)
            total.output_tokens += int(used.get("outputTokens") or 0)
    return total


def _mapping(value: object) -> dict[str, Any]:
    """A JSON object field, or an empty one when the CLI sent something else."""
    return value if isinstance(value, dict) else {}
