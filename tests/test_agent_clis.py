"""Fast tests of the agent-CLI runtimes against small fake `claude`, `codex` and `copilot`.

The fakes are one Python script installed under three names on PATH. They print what the
real CLIs print (shapes captured from claude 2.1.332, codex 0.171.0, copilot 1.0.102), record
how they were started, and misbehave on request through FAKE_CLI_MODE.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from adapters.agents import process
from adapters.agents.claude_code import ClaudeCodeRuntime
from adapters.agents.cli import AgentCliRuntime, AgentCliSettings, classify
from adapters.agents.codex_cli import CodexCliRuntime
from adapters.agents.copilot_cli import CopilotCliRuntime
from adapters.base import AgentCall
from adapters.errors import AuthError, PermanentError, RuntimeTimeout, TransientError
from adapters.executor import ChainExhausted, Executor
from adapters.policy import RetryPolicy
from adapters.schemas import strict_schema

RUNTIMES: dict[str, type[AgentCliRuntime]] = {
    "claude-code": ClaudeCodeRuntime,
    "codex-cli": CodexCliRuntime,
    "copilot-cli": CopilotCliRuntime,
}
EXECUTABLE = {"claude-code": "claude", "codex-cli": "codex", "copilot-cli": "copilot"}
ALL = pytest.mark.parametrize("name", sorted(RUNTIMES))


class Handoff(BaseModel):
    accepted: bool = True
    concerns: list[str] = Field(default_factory=list)


class Answer(BaseModel):
    summary: str = Field(min_length=1)
    risk: Literal["low", "medium", "high"]
    handoff: Handoff = Field(default_factory=Handoff)


ANSWER = {"summary": "null check missing in parse()", "risk": "low"}

FAKE = r"""
import json, os, signal, subprocess, sys, time

name = os.path.basename(sys.argv[0])
mode = os.environ.get("FAKE_CLI_MODE", "ok")
answer = os.environ.get("FAKE_CLI_ANSWER", "{}")
record = os.environ.get("FAKE_CLI_RECORD")

if sys.argv[1:] == ["--version"]:
    if record:
        with open(record + ".versions", "a") as f:
            f.write(name + "\n")
    print({"claude": "2.1.332 (Claude Code)", "codex": "codex-cli 0.171.0",
           "copilot": "GitHub Copilot CLI 1.0.102.\nRun 'copilot update' to check."}[name])
    sys.exit(0)

def stdin_state():
    st, null = os.fstat(0), os.stat(os.devnull)
    is_null = stat_is_chr(st.st_mode) and st.st_rdev == null.st_rdev
    return {"devnull": is_null, "read": sys.stdin.read()}

def stat_is_chr(m):
    import stat
    return stat.S_ISCHR(m)

PREFIXES = ("CLAUDE", "DISABLE", "COPILOT", "ANTHROPIC", "NO_COLOR", "OPENAI")
if record:
    with open(record, "w") as f:
        json.dump({"argv": sys.argv, "cwd": os.getcwd(), "listing": sorted(os.listdir(".")),
                   "stdin": stdin_state(), "pid": os.getpid(), "pgid": os.getpgid(0),
                   "env": {k: v for k, v in os.environ.items() if k.startswith(PREFIXES)}}, f)

if mode == "hang":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # only SIGKILL will do
    child = subprocess.Popen([sys.executable, "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
    with open(os.environ["FAKE_CLI_PIDS"], "w") as f:
        json.dump([os.getpid(), child.pid], f)
    time.sleep(600)

if mode == "garbage":
    print("<html><body>502 Bad Gateway</body></html>\n\x00\x01 not json at all")
    sys.exit(0)

if mode == "exit":
    print("error: unexpected argument '--frobnicate' found", file=sys.stderr)
    sys.exit(2)

if mode == "write":
    with open("patched.py", "w") as f:
        f.write("fixed = True\n")

def emit(obj):
    print(json.dumps(obj), flush=True)

SESSION = "5f1c2a9e-0b7d-4c1e-9a57-3d2f1e0c9b8a"

if name == "claude":
    base = {"type": "result", "duration_ms": 372, "num_turns": 2, "session_id": SESSION,
            "total_cost_usd": 0.0123, "permission_denials": [],
            "usage": {"input_tokens": 300, "cache_creation_input_tokens": 10,
                      "cache_read_input_tokens": 5, "output_tokens": 90},
            "modelUsage": {"claude-haiku-4-5": {"inputTokens": 20, "outputTokens": 3},
                           "claude-sonnet-4-5": {"inputTokens": 300, "outputTokens": 90}}}
    if mode == "is_error":
        emit({**base, "subtype": "success", "is_error": True, "api_error_status": 401,
              "result": "Failed to authenticate. API Error: 401 invalid x-api-key",
              "terminal_reason": "api_error"})
        sys.exit(1)
    if mode == "overloaded":
        emit({**base, "subtype": "success", "is_error": True, "api_error_status": 529,
              "result": "API Error: 529 Overloaded", "terminal_reason": "api_error"})
        sys.exit(1)
    emit({**base, "subtype": "success", "is_error": False, "result": answer,
          "structured_output": json.loads(answer), "stop_reason": "end_turn"})

elif name == "codex":
    argv = sys.argv
    emit({"type": "thread.started", "thread_id": SESSION})
    emit({"type": "item.completed", "item": {"id": "item_0", "type": "error",
          "message": "Model metadata for `x` not found. Defaulting to fallback metadata"}})
    emit({"type": "turn.started"})
    if mode == "is_error":
        msg = "unexpected status 429 Too Many Requests: rate limited, url: http://127.0.0.1/v1/responses"
        emit({"type": "error", "message": msg})
        emit({"type": "turn.failed", "error": {"message": msg}})
        sys.exit(1)
    if mode == "write":
        emit({"type": "item.completed", "item": {"id": "item_1", "type": "file_change",
              "changes": [{"path": os.path.join(os.getcwd(), "patched.py"), "kind": "add"}],
              "status": "completed"}})
    emit({"type": "item.completed",
          "item": {"id": "item_2", "type": "agent_message", "text": answer}})
    out = argv[argv.index("--output-last-message") + 1]
    with open(out, "w") as f:
        f.write(answer)
    emit({"type": "turn.completed", "usage": {"input_tokens": 240, "cached_input_tokens": 0,
          "output_tokens": 60, "reasoning_output_tokens": 0}})

elif name == "copilot":
    argv = sys.argv
    def ev(kind, data, **kw):
        emit({"type": kind, "data": data, "id": "e", "timestamp": "2026-01-01T00:00:00Z", **kw})
    ev("session.tools_updated", {"model": "gpt-5.4"}, ephemeral=True)
    ev("user.message", {"content": "..."})
    ev("assistant.turn_start", {"turnId": "0"})
    if mode == "is_error":
        ev("session.error", {"errorType": "authentication", "statusCode": 401,
           "message": "Authentication failed with provider (HTTP 401). Check your key."})
        emit({"type": "result", "sessionId": SESSION, "exitCode": 1, "usage": {}})
        sys.exit(1)
    files = []
    if mode == "write":
        files = [os.path.join(os.getcwd(), "patched.py")]
        ev("tool.execution_complete", {"toolCallId": "c1", "success": True,
           "fileEdits": [{"path": files[0], "kind": "create"}]})
    ev("assistant.message", {"messageId": "m1", "model": "gpt-5.4", "content": "",
       "toolRequests": [{"name": "view"}]})
    ev("assistant.message", {"messageId": "m2", "model": "gpt-5.4", "content": answer,
       "toolRequests": []})
    ev("assistant.turn_end", {"turnId": "0"})
    usage_file = next(a.split("=", 1)[1] for a in argv if a.startswith("--usage-output-file="))
    with open(usage_file, "w") as f:
        used = {"inputTokens": 500, "outputTokens": 70}
        json.dump({"modelMetrics": {"gpt-5.4": {"usage": used}}}, f)
    emit({"type": "result", "sessionId": SESSION, "exitCode": 0,
          "usage": {"premiumRequests": 1, "codeChanges": {"linesAdded": 1, "linesRemoved": 0,
                    "filesModified": files}}})
"""


@pytest.fixture
def fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fake CLIs first on PATH; returns the file each one records its start into."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for exe in EXECUTABLE.values():
        script = bindir / exe
        script.write_text(f"#!{sys.executable}\n{FAKE}")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    record = tmp_path / "record.json"
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_CLI_RECORD", str(record))
    monkeypatch.setenv("FAKE_CLI_ANSWER", json.dumps(ANSWER))
    monkeypatch.setenv("FAKE_CLI_PIDS", str(tmp_path / "pids.json"))
    process.cli_version.cache_clear()
    return record


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "repo"
    ws.mkdir()
    (ws / "parse.py").write_text("def parse(x):\n    return x.value\n")
    return ws


def runtime(name: str, **settings: Any) -> AgentCliRuntime:
    runtime = RUNTIMES[name]
    return runtime(runtime.Settings(**settings))


def call(workspace: Path | None, role: str = "dev", **kw: Any) -> AgentCall:
    return AgentCall(
        role=role,
        system="You are the Dev role.",
        user="Crash in parse() when x is None.",
        output_type=Answer,
        workspace=workspace,
        **kw,
    )


def recorded(record: Path) -> dict[str, Any]:
    return json.loads(record.read_text())


# -- success ------------------------------------------------------------------------------


@ALL
def test_success_reads_answer_session_usage_and_version(
    name: str, fakes: Path, workspace: Path
) -> None:
    reply = runtime(name).invoke(call(workspace))

    assert Answer.model_validate_json(reply.text) == Answer.model_validate(ANSWER)
    assert reply.session_id == "5f1c2a9e-0b7d-4c1e-9a57-3d2f1e0c9b8a"
    assert reply.extra["exit_status"] == 0
    assert reply.extra["cli_version"] in {"2.1.332", "0.171.0", "1.0.102"}
    assert reply.extra["files_changed"] == []
    assert reply.extra["write_allowed"] is False
    expected_usage = {
        "claude-code": (315, 90),
        "codex-cli": (240, 60),
        "copilot-cli": (500, 70),
    }[name]
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == expected_usage
    expected_model = {
        "claude-code": "claude-sonnet-4-5",
        "codex-cli": None,
        "copilot-cli": "gpt-5.4",
    }
    assert reply.model == (expected_model[name] or "codex-cli-default")


def test_claude_records_cost_turns_and_denials(fakes: Path, workspace: Path) -> None:
    reply = runtime("claude-code", model="sonnet").invoke(call(workspace))
    assert reply.extra["cost_usd"] == 0.0123
    assert reply.extra["num_turns"] == 2
    assert reply.extra["permission_denials"] == []
    argv = recorded(fakes)["argv"]
    assert argv[argv.index("--model") + 1] == "sonnet"


# -- how the CLI is started ---------------------------------------------------------------


READ_ONLY_FLAGS = {
    "claude-code": [
        ["--permission-mode", "dontAsk"],
        ["--disallowedTools=Bash,Edit,MultiEdit,Write,NotebookEdit"],
    ],
    "codex-cli": [["--sandbox", "read-only"]],
    "copilot-cli": [["--deny-tool=write"], ["--deny-tool=shell"]],
}
WRITE_FLAGS = {
    "claude-code": [["--permission-mode", "acceptEdits"]],
    "codex-cli": [["--sandbox", "workspace-write"]],
    "copilot-cli": [],
}


def has(argv: list[str], flags: list[str]) -> bool:
    return any(argv[i : i + len(flags)] == flags for i in range(len(argv)))


@ALL
def test_read_only_by_default(name: str, fakes: Path, workspace: Path) -> None:
    runtime(name).invoke(call(workspace, role="dev"))
    argv = recorded(fakes)["argv"]
    for flags in READ_ONLY_FLAGS[name]:
        assert has(argv, flags), (flags, argv)
    for flags in WRITE_FLAGS[name]:
        assert not has(argv, flags)
    assert "--allow-all" not in argv and "--yolo" not in argv
    assert not any("dangerously" in a for a in argv)


@ALL
def test_write_is_opt_in_per_role(name: str, fakes: Path, workspace: Path) -> None:
    rt = runtime(name, allow_write_roles=["dev"])

    rt.invoke(call(workspace, role="test"))
    argv = recorded(fakes)["argv"]
    assert all(has(argv, flags) for flags in READ_ONLY_FLAGS[name])

    reply = rt.invoke(call(workspace, role="dev"))
    argv = recorded(fakes)["argv"]
    assert all(has(argv, flags) for flags in WRITE_FLAGS[name])
    assert not any(has(argv, flags) for flags in READ_ONLY_FLAGS[name])
    assert reply.extra["write_allowed"] is True


@ALL
def test_files_changed_are_recorded(
    name: str, fakes: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_MODE", "write")
    reply = runtime(name, allow_write_roles=["*"]).invoke(call(workspace))
    assert reply.extra["files_changed"] == ["patched.py"]
    assert (workspace / "patched.py").exists()


@ALL
def test_runs_in_the_workspace_with_stdin_closed(name: str, fakes: Path, workspace: Path) -> None:
    runtime(name).invoke(call(workspace))
    seen = recorded(fakes)
    assert Path(seen["cwd"]) == workspace.resolve()
    assert seen["listing"] == ["parse.py"]
    assert seen["stdin"] == {"devnull": True, "read": ""}
    assert seen["pgid"] == seen["pid"], "the CLI leads its own process group"
    if name == "codex-cli":
        assert has(seen["argv"], ["--cd", str(workspace.resolve())])


@ALL
def test_without_a_workspace_runs_in_a_fresh_empty_temp_dir(name: str, fakes: Path) -> None:
    reply = runtime(name).invoke(call(None))
    seen = recorded(fakes)
    assert seen["listing"] == []
    assert not Path(seen["cwd"]).exists(), "the temporary workspace is removed afterwards"
    assert reply.extra["workspace"] is None


@ALL
def test_prompt_carries_roles_prompts_and_ends_the_argv(
    name: str, fakes: Path, workspace: Path
) -> None:
    runtime(name).invoke(call(workspace, feedback="risk: Input should be 'low'"))
    argv = recorded(fakes)["argv"]
    prompt = (
        argv[-1].removeprefix("--prompt=")
        if name != "copilot-cli"
        else next(a.removeprefix("--prompt=") for a in argv if a.startswith("--prompt="))
    )
    assert "You are the Dev role." in prompt and "Crash in parse()" in prompt
    assert "risk: Input should be 'low'" in prompt
    assert "Read-only" in prompt
    if name != "copilot-cli":
        assert argv[-2] == "--", "the prompt can never be taken for an option"
    else:
        assert '"risk"' in prompt, "copilot has no schema flag: the schema is in the prompt"


def test_structured_output_flags(fakes: Path, workspace: Path) -> None:
    runtime("claude-code").invoke(call(workspace))
    argv = recorded(fakes)["argv"]
    schema = json.loads(argv[argv.index("--json-schema") + 1])
    assert schema["properties"]["risk"]["enum"] == ["low", "medium", "high"]
    assert has(argv, ["-p", "--output-format", "json"])

    runtime("codex-cli").invoke(call(workspace))
    argv = recorded(fakes)["argv"]
    assert has(argv, ["exec", "--json"])
    assert "--output-schema" in argv  # the file lives in a scratch dir removed afterwards


def test_strict_schema_closes_objects_and_requires_everything() -> None:
    schema = strict_schema(Answer)
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["summary", "risk", "handoff"]
    handoff = schema["properties"]["handoff"]
    assert handoff["additionalProperties"] is False
    assert handoff["required"] == ["accepted", "concerns"]
    text = json.dumps(schema)
    assert "$ref" not in text and "default" not in text and "minLength" not in text


@ALL
def test_quiet_environment(name: str, fakes: Path, workspace: Path) -> None:
    runtime(name).invoke(call(workspace))
    seen = recorded(fakes)
    env, argv = seen["env"], seen["argv"]
    assert env["NO_COLOR"] == "1"
    if name == "claude-code":
        assert env["DISABLE_AUTOUPDATER"] == "1"
        assert env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1"
        assert env["DISABLE_TELEMETRY"] == "1"
        assert env["CLAUDE_CODE_MAX_RETRIES"] == "2"
    elif name == "codex-cli":
        assert has(argv, ["-c", "check_for_update_on_startup=false"])
        assert has(argv, ["-c", "analytics.enabled=false"])
        assert has(argv, ["-c", 'approval_policy="never"'])
    else:
        assert env["COPILOT_AUTO_UPDATE"] == "false"
        assert "--no-auto-update" in argv and "--disable-client-telemetry" in argv
        assert "--no-ask-user" in argv
        assert "COPILOT_OFFLINE" not in env, "offline only with a provider of one's own"


def test_base_url_points_each_cli_at_a_provider(fakes: Path, workspace: Path) -> None:
    url = "http://127.0.0.1:9/v1"
    runtime("claude-code", base_url=url).invoke(call(workspace))
    assert recorded(fakes)["env"]["ANTHROPIC_BASE_URL"] == url

    runtime("copilot-cli", base_url=url).invoke(call(workspace))
    env = recorded(fakes)["env"]
    assert env["COPILOT_PROVIDER_BASE_URL"] == url and env["COPILOT_OFFLINE"] == "true"

    runtime("codex-cli", base_url=url).invoke(call(workspace))
    argv = recorded(fakes)["argv"]
    assert has(argv, ["-c", 'model_provider="orchestrate"'])
    assert any(a.startswith("model_providers.orchestrate=") and url in a for a in argv)


@ALL
def test_executable_and_extra_args_come_from_settings(
    name: str, fakes: Path, workspace: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "opt" / "vendor-cli"
    elsewhere.parent.mkdir()
    source = Path(os.environ["PATH"].split(os.pathsep)[0]) / EXECUTABLE[name]
    # same fake under its real name in another directory, not on PATH
    elsewhere.mkdir()
    target = elsewhere / EXECUTABLE[name]
    target.write_text(source.read_text())
    target.chmod(0o755)
    rt = runtime(name, executable=str(target), extra_args=["--verbose-ish", "x"])
    rt.invoke(call(workspace))
    argv = recorded(fakes)["argv"]
    assert argv[0] == str(target)
    assert has(argv, ["--verbose-ish", "x"])
    if name != "copilot-cli":
        assert argv.index("x") < argv.index("--")


# -- failures -----------------------------------------------------------------------------


@ALL
def test_non_zero_exit_is_a_runtime_failure(
    name: str, fakes: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_MODE", "exit")
    with pytest.raises(PermanentError, match=r"status 2.*unexpected argument"):
        runtime(name).invoke(call(workspace))


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("claude-code", AuthError, "401"),
        ("codex-cli", TransientError, "turn.failed.*429"),
        ("copilot-cli", AuthError, "session.error.*Authentication failed"),
    ],
)
def test_cli_error_signals_are_typed(
    name: str,
    error: type[Exception],
    words: str,
    fakes: Path,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_CLI_MODE", "is_error")
    with pytest.raises(error, match=words):
        runtime(name).invoke(call(workspace))


def test_overloaded_claude_is_transient(
    fakes: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_MODE", "overloaded")
    with pytest.raises(TransientError, match="529"):
        runtime("claude-code").invoke(call(workspace))


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return False
    return fields[0] != "Z"


@ALL
def test_hanging_cli_is_killed_at_the_deadline_with_its_process_group(
    name: str, fakes: Path, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_MODE", "hang")
    rt = runtime(name, timeout_s=1.0, kill_grace_s=0.3)
    started = time.monotonic()
    with pytest.raises(RuntimeTimeout, match=r"deadline.*process group was killed"):
        rt.invoke(call(workspace, timeout_s=600))
    elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    pids = json.loads((tmp_path / "pids.json").read_text())
    assert len(pids) == 2
    for _ in range(50):
        if not any(_alive(p) for p in pids):
            break
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), "the CLI and its child are gone"


def test_call_timeout_applies_when_the_runtime_sets_none(
    fakes: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_MODE", "hang")
    with pytest.raises(RuntimeTimeout, match="1s deadline"):
        runtime("codex-cli", kill_grace_s=0.1).invoke(call(workspace, timeout_s=1))


@ALL
def test_garbage_output_is_a_clear_runtime_error(
    name: str, fakes: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_MODE", "garbage")
    with pytest.raises(PermanentError, match=rf"{name} printed output that is not .*502 Bad"):
        runtime(name).invoke(call(workspace))


@ALL
def test_garbage_falls_back_to_mock_through_the_executor(
    name: str, fakes: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_MODE", "garbage")
    events: list[tuple[str, dict[str, Any]]] = []
    executor = Executor(
        policy=RetryPolicy(max_attempts=3, base_delay_s=0),
        sink=lambda e: events.append((e.action, e.model_dump())),
        sleep=lambda _s: None,
    )
    reply = executor.run(call(workspace, request_text="Crash in parse()"), [name, "mock"])
    assert reply.runtime == "mock"
    assert isinstance(reply.output, Answer)
    fallbacks = [d for a, d in events if a == "RUNTIME_FALLBACK"]
    assert fallbacks and fallbacks[0]["from_runtime"] == name
    assert fallbacks[0]["error_kind"] == "permanent"
    assert not [a for a, _ in events if a == "RUNTIME_RETRY"], "garbage is not retried"


def test_transient_cli_failures_are_retried_then_fall_back(
    fakes: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_MODE", "is_error")
    events: list[str] = []
    executor = Executor(
        policy=RetryPolicy(max_attempts=2, base_delay_s=0),
        sink=lambda e: events.append(e.action),
        sleep=lambda _s: None,
    )
    reply = executor.run(call(workspace), ["codex-cli", "mock"])
    assert reply.runtime == "mock"
    assert events == ["RUNTIME_RETRY", "RUNTIME_FALLBACK"]


def test_success_through_the_executor_keeps_session_and_record(
    fakes: Path, workspace: Path
) -> None:
    reply = Executor().run(call(workspace), ["claude-code"])
    assert reply.runtime == "claude-code"
    assert reply.session_id == "5f1c2a9e-0b7d-4c1e-9a57-3d2f1e0c9b8a"
    assert reply.extra["exit_status"] == 0 and reply.extra["cli_version"] == "2.1.332"


def test_every_runtime_failing_exhausts_the_chain(
    fakes: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_MODE", "exit")
    with pytest.raises(ChainExhausted, match="claude-code: permanent"):
        Executor(sleep=lambda _s: None).run(call(workspace), ["claude-code", "codex-cli"])


def test_missing_workspace_is_permanent(fakes: Path, tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match="not a directory"):
        runtime("codex-cli").invoke(call(tmp_path / "nope"))


def test_secrets_are_redacted_from_errors(
    fakes: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = "sk-test-abcdefghijklmnop"
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    monkeypatch.setenv("FAKE_CLI_MODE", "is_error")
    monkeypatch.setenv("FAKE_CLI_ANSWER", json.dumps(ANSWER))
    noisy = tmp_path / "noisy"
    noisy.write_text(
        f"#!{sys.executable}\nimport json, os\n"
        "print(json.dumps({'type': 'result', 'is_error': True, 'api_error_status': 401,"
        " 'result': 'bad key ' + os.environ['ANTHROPIC_API_KEY']}))\n"
    )
    noisy.chmod(0o755)
    with pytest.raises(AuthError) as info:
        runtime("claude-code", executable=str(noisy)).invoke(call(workspace))
    assert secret not in str(info.value) and "[redacted]" in str(info.value)


# -- status -------------------------------------------------------------------------------


@ALL
def test_status_shows_path_and_cached_version(name: str, fakes: Path) -> None:
    rt = runtime(name)
    first, second = rt.status(), rt.status()
    assert first.usable and second == first
    assert EXECUTABLE[name] in first.detail
    assert {"claude-code": "2.1.332", "codex-cli": "0.171.0", "copilot-cli": "1.0.102"}[
        name
    ] in first.detail
    versions = Path(str(fakes) + ".versions").read_text().split()
    assert versions == [EXECUTABLE[name]], "--version runs once per executable"


@ALL
def test_missing_executable(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    rt = runtime(name)
    status = rt.status()
    assert not status.usable
    assert RUNTIMES[name].package in status.detail
    with pytest.raises(PermanentError, match="not found"):
        rt.invoke(call(None))


def test_classify() -> None:
    assert isinstance(classify("x", status=403), AuthError)
    assert isinstance(classify("x", status=503), TransientError)
    assert isinstance(classify("x", status=400), PermanentError)
    assert isinstance(classify("stream disconnected before completion"), TransientError)
    assert isinstance(classify("Not logged in · Please run /login"), AuthError)
    assert isinstance(classify("unknown model foo"), PermanentError)


def test_the_overall_deadline_cuts_a_cli_with_a_longer_timeout(
    fakes: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`[retry] deadline_s` wins over a runtime's own, longer `timeout_s`."""
    from adapters.executor import ChainExhausted, Executor
    from adapters.policy import RetryPolicy

    monkeypatch.setenv("FAKE_CLI_MODE", "hang")
    settings = {"codex-cli": AgentCliSettings(timeout_s=30.0, kill_grace_s=0.1)}
    executor = Executor(settings=settings, policy=RetryPolicy(deadline_s=1.0, base_delay_s=0.0))
    started = time.monotonic()
    with pytest.raises(ChainExhausted):
        executor.run(call(workspace), ["codex-cli"])
    assert time.monotonic() - started < 5


def test_sigterm_to_orchestrate_ends_a_running_agent_cli(
    fakes: Path, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI runs in its own session, so orchestrate must end it on the way out."""
    import signal
    import subprocess

    monkeypatch.setenv("FAKE_CLI_MODE", "hang")
    config = tmp_path / "orchestrate.toml"
    config.write_text('[runtimes.codex-cli]\ntimeout_s = 120\n[roles]\ndev = "codex-cli"\n')
    bin_dir = Path(sys.executable).parent
    proc = subprocess.Popen(
        [str(bin_dir / "orchestrate"), "submit", "Crash in parse() when x is None",
         "--config", str(config), "--ledger", str(tmp_path / "ledger"),
         "--workspace", str(workspace)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    pids_file = tmp_path / "pids.json"
    for _ in range(300):
        if pids_file.exists() and pids_file.read_text().strip():
            break
        time.sleep(0.05)
    pids = json.loads(pids_file.read_text())
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) != 0
    for _ in range(100):
        if not any(_alive(p) for p in pids):
            break
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), "the agent CLI outlived orchestrate"
    events = (tmp_path / "ledger" / "events").glob("*.jsonl")
    actions = [json.loads(line)["action"] for f in events for line in f.read_text().splitlines()]
    assert "ROLE_FAILED" not in actions and "BLOCKED" not in actions  # still resumable
