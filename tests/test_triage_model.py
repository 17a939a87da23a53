"""The learned triage model: lazy loading, provenance, explanations, the training API."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.mock.classifier import (
    Example,
    Explanation,
    TrainConfig,
    classify,
    cross_validate,
    explain,
    fit,
    load,
    shipped,
)
from adapters.mock.classifier import model as model_module
from adapters.mock.classifier.storage import MAGIC, CorruptModel

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return out.stdout.strip()


def test_importing_the_package_does_not_load_the_weights() -> None:
    probe = (
        "import sys, adapters.mock.classifier as c\n"
        "from adapters.mock.classifier import model\n"
        "print(len(model._loaded), 'numpy' in sys.modules)\n"
        "c.classify('login returns 500')\n"
        "print(len(model._loaded))"
    )
    assert _python(probe).split() == ["0", "False", "1"]


def test_first_classify_loads_and_predicts_within_100_ms() -> None:
    probe = (
        "import time, adapters.mock.classifier as c\n"
        "t = time.perf_counter(); c.classify('The export to PDF cuts off the last page')\n"
        "print(time.perf_counter() - t)"
    )
    best = min(float(_python(probe)) for _ in range(3))
    assert best < 0.1


def test_shipped_weights_match_their_recorded_sha256_and_provenance() -> None:
    raw = model_module.WEIGHTS.read_bytes()
    assert raw.startswith(MAGIC)
    end = raw.index(b"\n", len(MAGIC))
    header = json.loads(raw[len(MAGIC) : end])
    assert hashlib.sha256(raw[end + 1 :]).hexdigest() == header["layout"]["payload_sha256"]
    assert len(raw) < 5_000_000
    prov = shipped().provenance
    assert prov.payload_sha256 == header["layout"]["payload_sha256"]
    names = [Path(d.path).name for d in prov.data]
    assert names == ["dev.jsonl", "triage_tickets.jsonl", "triage_train_extra.jsonl"]
    assert "triage_heldout.jsonl" not in names
    for record in prov.data[1:]:  # the project's own files are in the repo: check them too
        assert hashlib.sha256((ROOT / record.path).read_bytes()).hexdigest() == record.sha256
    assert prov.examples == sum(d.examples for d in prov.data)
    assert prov.code_version and prov.created and prov.temperature > 0


def test_an_edited_weights_file_is_refused(tmp_path: Path) -> None:
    raw = bytearray(model_module.WEIGHTS.read_bytes())
    raw[-10] ^= 0xFF
    bad = tmp_path / "bad.model"
    bad.write_bytes(bytes(raw))
    with pytest.raises(CorruptModel):
        load(bad)


def test_explain_gives_evidence_for_and_against_each_kind() -> None:
    e = explain("[FIRING:1] HighErrorRate api-gateway prod")
    assert isinstance(e, Explanation)
    assert e.kind == "incident" and not e.needs_review
    assert [k.kind for k in e.kinds] == ["bug", "feature", "incident"]
    assert abs(sum(k.probability for k in e.kinds) - 1.0) < 1e-3
    incident = e.kinds[2]
    assert incident.support and all(x.weight > 0 for x in incident.support)
    assert any(x.feature.startswith("signal:") for x in incident.support)
    weights = [abs(x.weight) for x in incident.support]
    assert weights == sorted(weights, reverse=True)
    for k in e.kinds:
        assert all(x.weight < 0 for x in k.against) and len(k.support) <= 5
    assert e.known_features > 0
    json.loads(e.model_dump_json())


def test_explain_agrees_with_classify() -> None:
    for text in ("Please add SSO", "hello", "checkout returns 502 for everyone"):
        c, e = classify(text), explain(text)
        assert (c.kind, c.confidence, c.needs_review) == (e.kind, e.confidence, e.needs_review)


TINY = [
    Example(text="Add an option to export as CSV", label="feature"),
    Example(text="Please support dark mode", label="feature"),
    Example(text="Would be nice to have keyboard shortcuts", label="feature"),
    Example(text="Crash when opening settings", label="bug"),
    Example(text="Save button does nothing, expected the form to submit", label="bug"),
    Example(text="Wrong total shown after discount", label="bug"),
    Example(text="API is down for everyone", label="incident"),
    Example(text="[FIRING:1] HighErrorRate on checkout", label="incident"),
    Example(text="We are investigating elevated latency", label="incident"),
]


def test_fit_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    config = TrainConfig(min_df=1)
    a = fit(TINY, config=config)
    b = fit(TINY, config=config)
    assert list(a.arrays.weights) == list(b.arrays.weights)
    digest = a.save(tmp_path / "tiny.model")
    again = load(tmp_path / "tiny.model")
    assert again.provenance.payload_sha256 == digest
    text = "Add an option for keyboard shortcuts"
    assert classify(text, model=again) == classify(text, model=a)
    assert classify(text, model=a).kind == "feature"


def test_a_refit_from_the_shipped_prior_moves_towards_the_new_labels() -> None:
    pytest.importorskip("numpy")
    prior = shipped()
    # A team whose "sync" tickets are operational: the shipped model calls them bugs.
    corrected = [
        Example(text=f"Sync stalled for the {team} workspace", label="incident", weight=3.0)
        for team in ("finance", "sales", "ops", "design", "support", "legal")
    ]
    probe = "Sync stalled for the marketing workspace"
    before = explain(probe, model=prior).kinds[2].probability
    refit = fit(corrected, prior=prior)
    after = explain(probe, model=refit).kinds[2].probability
    assert after > before + 0.2
    assert refit.provenance.prior_sha256 == prior.provenance.payload_sha256
    assert refit.temperature == prior.temperature  # too few examples to recalibrate
    # What the shipped data taught is kept where the new tickets say nothing.
    for text in ("Please add a dark mode", "[FIRING:1] KubePodCrashLooping api"):
        assert classify(text, model=refit).kind == classify(text).kind


def test_cross_validate_scores_unseen_folds_only() -> None:
    pytest.importorskip("numpy")
    cv = cross_validate(TINY * 2, config=TrainConfig(min_df=1), folds=3)
    assert cv.folds == 3 and cv.temperature > 0
    assert {v.view for v in cv.views} == {"full", "title"}
    assert all(len(v.predictions) == len(TINY) * 2 for v in cv.views)
    assert 0.0 <= cv.view("full").macro_f1 <= 1.0


def _own_texts() -> list[str]:
    out = []
    for name in ("triage_tickets.jsonl", "triage_train_extra.jsonl"):
        with (ROOT / "tests" / "data" / name).open(encoding="utf-8") as fh:
            out += [json.loads(line)["text"] for line in fh if line.strip()]
    return [*out, "", "İİİ error İ", "[P1] api down", "p2 - slow", "got a 503 from lb"]


def test_the_classifying_path_scores_as_training_does() -> None:
    """`Model.score` (tokens, known n-grams, per-word characters) equals the logits of
    `Model.vector`, the features training fits."""
    from adapters.mock.classifier.features import extract

    model = shipped()
    for text in _own_texts():
        f = extract(text)
        fast = model.score(f).logits
        slow = model.logits(model.vector(f))
        assert max(abs(a - b) for a, b in zip(fast, slow, strict=True)) < 1e-9, text


def test_the_literal_scan_never_changes_a_signal() -> None:
    """Skipping regexes whose literals are absent gives the same hits as running them all."""
    from adapters.mock.classifier.signals import SIGNALS, find
    from adapters.mock.classifier.text import split

    for text in _own_texts():
        ticket = split(text)
        fired = {h.signal.name for h in find(ticket, ticket.lowered)}
        every = {s.name for s in SIGNALS if s.pattern.search(ticket.lowered)}
        assert fired - {"alert_name"} == every, text
