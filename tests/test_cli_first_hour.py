"""The first hour with the CLI, as a new user meets it: refusals before anything is written,
progress on a terminal, one table of exit codes, help that reads cleanly, show and list."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestrator.cli import exits
from orchestrator.cli.app import app
from tests.helpers import events_of

ORCHESTRATE = str(Path(sys.executable).with_name("orchestrate"))
INCIDENT = "Production outage: checkout returns 503 for all users since the 14:02 deploy"
BUG = "Crash when saving a draft: expected the draft saved but got TypeError in editor.js"
COMMANDS = [name for name in exits.COMMANDS]


def run(*args: str, cwd: Path, env: dict[str, str] | None = None, **kw: object):
    base = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATE_")}
    base.pop("OPENAI_API_KEY", None)
    return subprocess.run(
        [ORCHESTRATE, *args], cwd=cwd, env={**base, **(env or {})}, capture_output=True,
        text=True, timeout=120, **kw,
    )  # fmt: skip


# -- 1. pre-flight -----------------------------------------------------------------------------
def test_a_role_without_a_usable_runtime_refuses_before_anything_is_written(cli, tmp_path):
    result = cli("submit", BUG, "--runtime", "dev=codex")
    assert result.exit_code == 6
    [line] = result.stderr.strip().splitlines()
    assert "dev" in line and "codex" in line and "OPENAI_API_KEY" in line
    assert "nothing was written" in line
    assert not (tmp_path / "coordination").exists()


def test_a_usable_fallback_runs_with_one_warning(cli, ledger_dir, write_config):
    cfg = write_config('[fallback]\ndev = ["codex", "mock"]\n')
    result = cli(
        "submit", BUG, "--runtime", "dev=codex", "--config", str(cfg),
        "--ledger", str(ledger_dir), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [warning] = result.stderr.strip().splitlines()
    assert warning.startswith("warning: dev falls back from codex") and "OPENAI_API_KEY" in warning
    rid = json.loads(result.stdout)["request_id"]
    [dev] = [
        e["details"]
        for e in events_of(ledger_dir, rid)
        if e["action"] == "ROLE_COMPLETED" and e["details"]["role"] == "dev"
    ]
    assert dev["runtime"] == "mock"


# -- 2. progress on a terminal -----------------------------------------------------------------
def _sigint_default() -> None:
    """As a terminal's foreground job: a suite started in the background (`cmd &`) ignores
    SIGINT, the child would inherit that, and Python then leaves Ctrl-C ignored too."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _pty_run(args: list[str], cwd: Path, interrupt_on: str | None = None) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdout/stderr; optionally Ctrl-C it once `text`
    has been printed. Returns the exit code and everything it printed."""
    main, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    env = {k: v for k, v in env.items() if not k.startswith("ORCHESTRATE_")}
    proc = subprocess.Popen(
        [ORCHESTRATE, *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=secondary,
        stderr=secondary, env=env, start_new_session=True, preexec_fn=_sigint_default,
    )  # fmt: skip
    os.close(secondary)
    out = b""
    deadline = time.monotonic() + 60
    sent = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if interrupt_on and not sent and interrupt_on.encode() in out:
            os.killpg(proc.pid, signal.SIGINT)
            sent = True
        if proc.poll() is not None and not ready:
            break
    code = proc.wait(timeout=30)
    os.close(main)
    return code, re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out.decode(errors="replace"))


def test_submit_on_a_terminal_prints_the_id_at_once_then_a_line_per_step(tmp_path):
    code, out = _pty_run(["submit", INCIDENT], tmp_path)
    assert code == 0, out
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    assert re.fullmatch(r"REQ-\d{8}-\d{4}", lines[0]), lines[:3]
    assert lines[1].startswith("triage    incident")
    for role in ("ops", "dev", "pm", "test"):
        assert any(line.startswith(f"{role}") and "working" in line for line in lines), role
        assert any(line.startswith(f"{role}") and "done in" in line for line in lines), role
    assert lines.index(next(x for x in lines if x.startswith("pm") and "working" in x)) > (
        lines.index(next(x for x in lines if x.startswith("ops") and "done in" in x))
    )
    assert "state     CLOSED" in out


def test_nothing_extra_when_not_a_terminal(tmp_path):
    piped = run("submit", INCIDENT, cwd=tmp_path)
    assert piped.returncode == 0 and "working" not in piped.stdout
    as_json = run("submit", INCIDENT, "--json", cwd=tmp_path)
    assert json.loads(as_json.stdout)["state"] == "CLOSED"


def test_ctrl_c_names_the_item_and_the_command_that_continues_it(tmp_path):
    (tmp_path / "orchestrate.toml").write_text("[runtimes.mock]\nlatency_ms = 1500\n")
    code, out = _pty_run(["submit", INCIDENT], tmp_path, interrupt_on="working")
    assert code == 130, out
    rid = re.search(r"REQ-\d{8}-\d{4}", out).group(0)  # type: ignore[union-attr]
    assert f"orchestrate resume {rid}" in out.splitlines()[-1]
    resumed = run("resume", rid, "--json", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)[0]["state"] == "CLOSED"


# -- 3. one table of exit codes ----------------------------------------------------------------
FAILURES = [
    (["show", "REQ-20200101-0001"], 3),
    (["verify", "REQ-20200101-0001"], 3),
    (["replay", "REQ-20200101-0001"], 3),
    (["resume", "REQ-20200101-0001"], 3),
    (["triage", "--file", "missing.jsonl"], 3),
    (["list", "--ledger", "nowhere"], 3),
    (["reindex", "--ledger", "nowhere"], 3),
    (["verify", "--ledger", "nowhere"], 3),
    (["show", "not-an-id"], 2),
    (["submit"], 2),
    (["triage"], 2),
    (["list", "--state", "DONE"], 2),
    (["show", "REQ-20200101-0001", "--at", "abc"], 2),
    (["lsit"], 2),
    (["submit", "x", "--nope"], 2),
    (["list", "--state"], 2),
    (["replay"], 2),
    (["resume"], 2),
    (["runtimes", "--runtime", "dev"], 2),
    (["graph", "--config", "missing.toml"], 2),
    (["init", "no/such/dir/orchestrate.toml"], 3),
]


@pytest.fixture
def ledger_home(tmp_path: Path) -> Path:
    assert run("submit", BUG, cwd=tmp_path).returncode == 0
    return tmp_path


@pytest.mark.parametrize(
    ("args", "code"), FAILURES, ids=lambda v: " ".join(v) if isinstance(v, list) else str(v)
)
def test_every_failure_is_one_line_and_its_code(ledger_home, args, code):
    result = run(*args, cwd=ledger_home)
    assert result.returncode == code, (result.returncode, result.stderr)
    assert code in exits.allowed(args[0] if args[0] in exits.COMMANDS else "submit") or code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr and "╭" not in result.stderr


def test_orchestrate_alone_prints_help_and_exits_0(tmp_path):
    result = run(cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("Usage: orchestrate")
    assert "Exit codes" in result.stdout and result.stderr == ""


def test_a_closed_pipe_is_silent(tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"text": f"login fails {i}"}) + "\n" for i in range(300)))
    shell = f"'{ORCHESTRATE}' triage --file items.jsonl --json | head -1"
    done = subprocess.run(shell, shell=True, cwd=tmp_path, capture_output=True, text=True)
    assert done.stderr == "" and json.loads(done.stdout)["kind"]


def test_the_readme_carries_the_exit_code_table():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for code, meaning in exits.MEANING.items():
        assert f"| {int(code)} | {meaning} |" in readme, code


# -- 4. help ------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", COMMANDS)
def test_help_reads_cleanly(command):
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "100"})
    text = result.output
    assert result.exit_code == 0
    usage = text.splitlines()[0]
    assert "[[" not in usage and "{" not in usage and "]..." not in usage.replace("[REQ]...", "")
    assert not re.search(r"<(bool|str|int|path|list\[str\]|float)>", text), text
    assert "Exit codes:" in text
    options = text.split("Options:")[1].split("Exit codes:")[0]
    entries = re.findall(r"^  (-[^ ].*?)(?:  +(.*))?$", options, flags=re.M)
    assert entries and all(description for _, description in entries), entries
    if "--ledger" in text:
        assert "ORCHESTRATE_LEDGER" in text and "./coordination" in text


# -- 5. show, 6. list ---------------------------------------------------------------------------
def test_show_prints_text_stages_source_and_warns_on_a_broken_chain(cli, ledger_dir):
    long_text = INCIDENT + "\n" + "\n".join(f"log line {i}" for i in range(12))
    rid = json.loads(cli("submit", long_text, "--ledger", str(ledger_dir), "--json").stdout)[
        "request_id"
    ]
    shown = cli("show", rid, "--ledger", str(ledger_dir)).stdout
    assert "stages    ops ∥ dev → pm → test" in shown and "source    cli" in shown
    assert "log line 4" in shown and "log line 11" not in shown and "--full" in shown
    assert "log line 11" in cli("show", rid, "--full", "--ledger", str(ledger_dir)).stdout
    path = ledger_dir / "events" / f"{rid}.jsonl"
    path.write_text(path.read_text().replace("Contained", "Ignored", 1))
    tampered = cli("show", rid, "--ledger", str(ledger_dir))
    assert tampered.exit_code == 0 and "does not verify" in tampered.stderr
    assert (
        json.loads(cli("show", rid, "--ledger", str(ledger_dir), "--json").stdout)["verified"]
        is False
    )


def test_a_github_style_report_gets_a_title_that_says_something(cli, ledger_dir):
    report = "### Describe the bug\n\nThe export to PDF cuts off the last page\n\n### Steps"
    out = cli("submit", report, "--ledger", str(ledger_dir), "--json")
    rid = json.loads(out.stdout)["request_id"]
    listed = json.loads(cli("list", "--ledger", str(ledger_dir), "--json").stdout)
    assert [v["title"] for v in listed if v["request_id"] == rid] == [
        "The export to PDF cuts off the last page"
    ]


def test_list_is_one_line_per_item_at_80_columns(tmp_path):
    long = "A title long enough that it cannot possibly fit on one line of an 80 column terminal"
    for i in range(26):
        assert run("submit", f"{long} {i}", cwd=tmp_path).returncode == 0
    listed = run("list", cwd=tmp_path, env={"COLUMNS": "80"})
    lines = listed.stdout.splitlines()
    assert len(lines) == 27 and all(len(line) <= 80 for line in lines)
    assert all(line.rstrip().endswith("…") for line in lines[1:])
    wide = run("list", "--wide", cwd=tmp_path, env={"COLUMNS": "80"}).stdout.splitlines()
    assert len(wide) == 27 and any(len(line) > 80 for line in wide)


def test_runtimes_is_readable_at_80_columns(tmp_path):
    out = run("runtimes", "--probe", cwd=tmp_path, env={"COLUMNS": "80"}).stdout
    rows = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert rows[0].split() == ["runtime", "usable", "probe", "breaker", "roles"]
    assert all(len(line) <= 80 for line in out.splitlines())
    mock = next(line for line in rows if line.startswith("mock"))
    assert mock.split()[:3] == ["mock", "yes", "ok"]


# -- 7. errors that tell the truth --------------------------------------------------------------
def test_triage_file_names_bad_lines_and_says_json_lines(cli, tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text('{"text": "login returns 500"}\n{"id": 2}\nnot json\n{"text": 3}\n')
    result = cli("triage", "--file", str(items), "--json")
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 1
    errors = result.stderr.strip().splitlines()
    assert 'items.jsonl:2: no "text" field' in errors[0]
    assert "items.jsonl:3: not a JSON object" in errors[1]
    assert "items.jsonl:4: text:" in errors[2]
    assert "JSON Lines" in cli("triage", "--help").output


def test_inline_json_script_is_accepted(cli, ledger_dir, write_config):
    cfg = write_config(
        '[runtimes.mock]\nscript = \'{"dev": {"handoff": {"accepted": false, '
        '"concerns": ["no repro"]}}}\'\n'
    )
    result = cli("submit", BUG, "--config", str(cfg), "--ledger", str(ledger_dir), "--json")
    assert json.loads(result.stdout)["blocked_reason"].endswith("no repro")


def test_a_missing_script_file_is_refused_up_front(cli, ledger_dir, write_config):
    cfg = write_config('[runtimes.mock]\nscript = "replies.json"\n')
    result = cli("submit", BUG, "--config", str(cfg), "--ledger", str(ledger_dir))
    assert result.exit_code == 6 and "no such file" in result.stderr
    assert "path or inline JSON" in result.stderr and not ledger_dir.exists()


def _read_only(ledger: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a mount namespace of its own where the ledger is mounted read-only."""
    script = (
        f'mount --bind "{ledger}" "{ledger}" && mount -o remount,ro,bind "{ledger}" "{ledger}" '
        f'&& exec "{ORCHESTRATE}" "$@"'
    )
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", *args, "--ledger", str(ledger)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_read_only_ledger_is_not_called_damaged(tmp_path):
    ledger = tmp_path / "coordination"
    assert run("submit", BUG, cwd=tmp_path).returncode == 0
    probe = _read_only(ledger, "list")
    if probe.returncode != 0 and "mount" in probe.stderr:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()}")
    assert probe.returncode == 0, probe.stderr  # reading is fine
    before = sorted(p.name for p in ledger.rglob("*"))
    done = _read_only(ledger, "submit", BUG)
    assert done.returncode == 3, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "permission denied" in line or "read-only" in line.lower()
    assert "damaged" not in line and "move it aside" not in line
    assert sorted(p.name for p in ledger.rglob("*")) == before


def test_mock_artifacts_read_like_a_person_wrote_them(cli, ledger_dir):
    text = "### Describe the bug\nLogin really broken: returns 500 for every user since 9:00"
    rid = json.loads(cli("submit", text, "--ledger", str(ledger_dir), "--json").stdout)[
        "request_id"
    ]
    summaries = [
        e["details"]["summary"]
        for e in events_of(ledger_dir, rid)
        if e["action"] == "ROLE_COMPLETED"
    ]
    joined = " ".join(summaries).lower()
    assert "login" in joined
    for odd in ("describe", "users of", "###", "suspect "):
        assert odd not in joined, (odd, summaries)
