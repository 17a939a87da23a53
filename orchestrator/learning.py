"""`orchestrate train`: refit the offline triage model with the team's corrections.

The shipped training tickets are not installed with the package; what they taught is: the
packaged model is the prior of the refit (each weight held near its shipped value as firmly
as that data fixed it, see docs/triage-model.md). So "shipped data plus corrections" is
`fit(corrections + --data files, prior=shipped())`, and every run refits from the packaged
model, never from an earlier refit. Scores are macro-F1 on the corrected tickets: before,
the model in use (it never trained on them); after, 5-fold cross-validation of the refit.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from adapters.mock.classifier.model import WEIGHTS, Model, shipped
from adapters.mock.classifier.pipeline import classify
from adapters.mock.classifier.provenance import DataFile
from adapters.mock.classifier.schema import KINDS, Example
from adapters.mock.classifier.train import cross_validate, fit
from orchestrator.errors import InputError, NotFoundError
from orchestrator.ledger import LedgerRepository
from orchestrator.ledger.events import Action, TriageCorrected

MODEL_NAME = "triage.model"
_FOLDS = 5
FOLD_TEXT = "cross-validated: each ticket scored by a refit that did not see it"


class Score(BaseModel):
    macro_f1: float
    right: int = Field(description="tickets classified as labelled (after: when held out)")
    model_sha256: str


class Check(BaseModel):
    """Both models on a labelled file the refit did not train on (`--check`)."""

    path: str
    examples: int
    before: Score
    after: Score


class TrainReport(BaseModel):
    """What `train` did: data, scores before and after, and where the model went."""

    corrections: int = Field(description="corrected items read from the ledger")
    examples: int = Field(description="all labelled tickets of the refit")
    before: Score
    after: Score
    out: str
    check: Check | None = None

    @property
    def delta(self) -> float:
        return self.after.macro_f1 - self.before.macro_f1


def corrections(ledger: LedgerRepository) -> list[Example]:
    """Each corrected item's text, labelled with the kind of its last correction."""
    out = []
    for rid in sorted(ledger.index()):
        events = ledger.read_events(rid)
        fixes = [e for e in events if e.action is Action.TRIAGE_CORRECTED]
        if fixes:
            label = fixes[-1].read(TriageCorrected).new.kind
            text = ledger.read_request(rid).text
            out.append(Example.model_validate({"text": text, "label": label}))
    return out


def read_data(path: Path) -> tuple[list[Example], DataFile]:
    """A JSON Lines file of `{text, label}` (e.g. the triage dev set), checked line by line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"data file not found: {path}") from None
    examples = []
    for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                row = json.loads(line)
                examples.append(Example(text=row["text"], label=row["label"]))
            except (ValueError, KeyError, TypeError, ValidationError):
                raise InputError(f"{path}:{number}: expected {{text, label}}") from None
    digest = hashlib.sha256(raw).hexdigest()
    return examples, DataFile(path=str(path), sha256=digest, examples=len(examples))


def default_out(ledger: LedgerRepository) -> Path:
    return ledger.root / MODEL_NAME


def _macro_f1(labels: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over the kinds that occur among the labels or the predictions (a kind no
    correction names and no prediction made says nothing about the model)."""
    kinds = [k for k in KINDS if k in labels or k in predicted]
    total = 0.0
    for kind in kinds:
        tp = sum(p == kind == y for p, y in zip(predicted, labels, strict=True))
        wrong = sum((p == kind) != (y == kind) for p, y in zip(predicted, labels, strict=True))
        total += 2 * tp / (2 * tp + wrong) if tp else 0.0
    return round(total / len(kinds), 4) if kinds else 0.0


def _score(model: Model, examples: Sequence[Example], predicted: Sequence[str]) -> Score:
    labels = [e.label for e in examples]
    right = sum(p == y for p, y in zip(predicted, labels, strict=True))
    sha = model.provenance.payload_sha256
    return Score(macro_f1=_macro_f1(labels, predicted), right=right, model_sha256=sha)


def train(
    ledger: LedgerRepository,
    out: Path,
    *,
    from_ledger: bool,
    data: Sequence[Path] = (),
    current: Model | None = None,
    check: Path | None = None,
) -> TrainReport:
    """Refit, score and save; refuses (writing nothing) without data, without numpy, or
    over the packaged model. `current` is the model in use (default: the packaged one);
    `check`, a labelled file both models are scored on as well."""
    if out.resolve() == WEIGHTS.resolve():
        raise InputError(f"{out} is the packaged model; write the refit elsewhere")
    if not from_ledger and not data:
        raise InputError("nothing to train on: pass --from-ledger and/or --data FILE")
    fixed = corrections(ledger) if from_ledger else []
    extra: list[Example] = []
    files = []
    for path in data:
        examples, described = read_data(path)
        extra += examples
        files.append(described)
    held_out = read_data(check)[0] if check is not None else []
    scored = fixed or extra
    if len(scored) < 2:
        raise InputError(f"need at least 2 labelled tickets to train on, found {len(scored)}")
    if importlib.util.find_spec("numpy") is None:
        raise InputError("training needs numpy: pip install 'orchestrate[train]'")
    prior = shipped()
    before_model = current or prior
    before_kinds = [classify(e.text, model=before_model).kind for e in scored]
    before = _score(before_model, scored, before_kinds)
    folds = min(_FOLDS, len(scored))
    always = extra if fixed else []
    cv = cross_validate(scored, prior=prior, folds=folds, always_train=always, views=("full",))
    model = fit([*fixed, *extra], prior=prior, data=files)
    model.save(out)
    after_kinds = [p.kind for p in cv.view("full").predictions]
    after = _score(model, scored, after_kinds)
    checked = None
    if check is not None:
        checked = Check(
            path=str(check), examples=len(held_out), before=_scored(before_model, held_out),
            after=_scored(model, held_out),
        )  # fmt: skip
    return TrainReport(
        corrections=len(fixed), examples=len(fixed) + len(extra), before=before, after=after,
        out=str(out), check=checked,
    )  # fmt: skip


def _scored(model: Model, examples: Sequence[Example]) -> Score:
    return _score(model, examples, [classify(e.text, model=model).kind for e in examples])
