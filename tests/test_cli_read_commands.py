"""The read commands as a user meets them: good answers, and one clear line for bad input."""

from __future__ import annotations

import json

import pytest

INCIDENT = "checkout returns 503 for everyone since the deploy"


@pytest.fixture
def ledger_with_item(cli, ledger_dir):
    out = cli("submit", INCIDENT, "--ledger", str(ledger_dir), "--json")
    return ledger_dir, json.loads(out.stdout)["request_id"]


def one_line_error(result, code: int, needle: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_verify_passes_then_names_the_tampered_line(cli, ledger_with_item):
    ledger, rid = ledger_with_item
    ok = cli("verify", "--ledger", str(ledger))
    assert ok.exit_code == 0 and "every chain intact" in ok.stdout
    path = ledger / "events" / f"{rid}.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"IN_PROGRESS", b"IN_PROGRESs", 1)
    path.write_bytes(b"".join(lines))
    broken = cli("verify", "--ledger", str(ledger))
    assert broken.exit_code == 1
    assert f"events/{rid}.jsonl:4: edited (hash mismatch)" in broken.stdout
    as_json = json.loads(cli("verify", "--ledger", str(ledger), "--json").stdout)
    assert as_json["ok"] is False and as_json["findings"][0]["line"] == 4


def test_resume_refuses_to_append_to_a_damaged_chain(cli, ledger_with_item):
    ledger, rid = ledger_with_item
    path = ledger / "events" / f"{rid}.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    del lines[2]
    path.write_bytes(b"".join(lines))
    before = path.read_bytes()
    result = cli("resume", rid, "--ledger", str(ledger))
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_show_at_each_seq_folds_the_history(cli, ledger_with_item):
    ledger, rid = ledger_with_item
    full = json.loads(cli("show", rid, "--ledger", str(ledger), "--json").stdout)
    last = full["events"][-1]["seq"]
    states = [
        json.loads(cli("show", rid, "--at", str(seq), "--ledger", str(ledger), "--json").stdout)[
            "item"
        ]["state"]
        for seq in range(1, last + 1)
    ]
    assert states[0] == "PROPOSED" and states[-1] == "CLOSED"
    human = cli("show", rid, "--ledger", str(ledger))
    assert human.exit_code == 0 and "timeline" in human.stdout and "ops" in human.stdout


def test_reindex_rebuilds_a_deleted_index(cli, ledger_with_item):
    ledger, rid = ledger_with_item
    (ledger / "index.json").unlink()
    assert cli("verify", "--ledger", str(ledger)).exit_code == 1
    assert cli("reindex", "--ledger", str(ledger)).exit_code == 0
    assert cli("verify", "--ledger", str(ledger)).exit_code == 0
    listed = json.loads(cli("list", "--ledger", str(ledger), "--json", "--kind", "incident").stdout)
    assert [r["request_id"] for r in listed] == [rid]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["show", "REQ-20990101-0001"], 3, "unknown request"),
        (["show", "../../etc/passwd"], 2, "not a request id"),
        (["show", "REQ-1"], 2, "not a request id"),
        (["verify", "nonsense"], 2, "not a request id"),
        (["replay", "REQ-20990101-0001"], 3, "unknown request"),
        (["verify", "REQ-20990101-0001"], 3, "unknown request"),
        (["resume", "REQ-20990101-0001"], 3, "unknown request"),
        (["resume", "../x"], 2, "not a request id"),
        (["list", "--state", "DONE"], 2, "unknown state"),
        (["list", "--kind", "chore"], 2, "unknown kind"),
    ],
)
def test_bad_ids_and_filters(cli, ledger_with_item, args, code, needle):
    ledger, _ = ledger_with_item
    one_line_error(cli(*args, "--ledger", str(ledger)), code, needle)


def test_show_at_out_of_range(cli, ledger_with_item):
    ledger, rid = ledger_with_item
    one_line_error(cli("show", rid, "--at", "0", "--ledger", str(ledger)), 2, "--at 0")


@pytest.mark.parametrize("command", ["list", "verify", "reindex", "show"])
def test_missing_ledger_directory(cli, tmp_path, command):
    args = [command, "REQ-20990101-0001"] if command == "show" else [command]
    one_line_error(cli(*args, "--ledger", str(tmp_path / "nowhere")), 3, "no ledger at")


def test_unreadable_events_file(cli, ledger_with_item):
    ledger, rid = ledger_with_item
    path = ledger / "events" / f"{rid}.jsonl"
    path.unlink()
    path.mkdir()  # root reads any file; a directory in its place cannot be read by anyone
    result = cli("show", rid, "--ledger", str(ledger))
    assert result.exit_code != 0 and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_show_accounts_for_the_triage_call_too(cli, ledger_with_item):
    ledger, rid = ledger_with_item
    shown = json.loads(cli("show", rid, "--ledger", str(ledger), "--json").stdout)
    roles = [r["role"] for r in shown["roles"]]
    assert roles[0] == "triage" and set(roles[1:]) == {"ops", "dev", "pm", "test"}
    total = sum(r["input_tokens"] + r["output_tokens"] for r in shown["roles"])
    assert shown["total_tokens"] == total and shown["roles"][0]["input_tokens"] > 0


def test_an_edited_line_is_never_appended_onto(cli, ledger_with_item):
    ledger, rid = ledger_with_item
    path = ledger / "events" / f"{rid}.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[-1] = lines[-1].replace(b'"orchestrator"', b'"mallory"', 1)
    path.write_bytes(b"".join(lines))
    before = path.read_bytes()
    result = cli("replay", rid, "--ledger", str(ledger))  # replay records a REPLAYED event
    assert result.exit_code == 5 and "breaks the hash chain" in result.stderr
    assert path.read_bytes() == before
