"""Where a model came from: its data files, counts, hyper-parameters, code version and date."""

from __future__ import annotations

from pydantic import BaseModel, Field

from adapters.mock.classifier.schema import Kind


class TrainConfig(BaseModel):
    """Hyper-parameters of `train.fit`; recorded in every model file they produced."""

    c: float = Field(default=10.0, gt=0, description="inverse L2 strength, as scikit-learn's C")
    flag_c: float | None = Field(
        default=None, gt=0, description="C for signal and first-word weights (None: c)"
    )
    min_df: int = Field(default=2, ge=1, description="documents a word must occur in")
    doc_chars_min_df: int = Field(
        default=2, ge=1, description="documents a whole-ticket character n-gram must occur in"
    )
    max_iter: int = Field(default=400, ge=1, description="L-BFGS iterations at most")
    tol: float = Field(default=1e-6, gt=0, description="stop when the loss changes less")
    title_copies: bool = Field(default=True, description="also train on each ticket's title")
    title_weight: float = Field(default=1.0, gt=0, description="weight of those title copies")
    prior_strength: float = Field(default=1.0, gt=0, description="scales the prior's precision")


class DataFile(BaseModel):
    """One file of labelled tickets a model was trained on."""

    path: str
    sha256: str
    examples: int = Field(ge=0)
    weight: float = Field(default=1.0, gt=0, description="each example's weight in the loss")


class Provenance(BaseModel):
    """Everything needed to say how a weights file was made, and to make it again."""

    created: str = Field(description="UTC date and time of training, ISO 8601")
    code_version: str = Field(description="git commit of the training code, '+dirty' if edited")
    data: list[DataFile] = Field(default_factory=list)
    examples: int = Field(ge=0, description="labelled tickets in this fit, before title copies")
    labels: dict[Kind, int] = Field(default_factory=dict)
    n_docs: int = Field(ge=0, description="documents behind the idf, the prior's included")
    config: TrainConfig = Field(default_factory=TrainConfig)
    temperature: float = Field(default=1.0, gt=0, description="calibrated on CV predictions")
    prior_sha256: str | None = Field(default=None, description="payload sha256 of the prior")
    scores: dict[str, float] = Field(default_factory=dict, description="CV scores at training")
    payload_sha256: str = Field(default="", description="sha256 of the weights payload")
