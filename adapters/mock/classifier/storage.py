"""The weights file: a JSON header with provenance, then little-endian arrays.

    ORCHESTRATE-TRIAGE-MODEL 1\\n
    {header: provenance, array lengths, sha256 of the payload}\\n
    payload: feature names (UTF-8, one a line), then float32/int32 arrays

A binary payload loads in a few milliseconds with the standard library alone (JSON for
~10^5 floats would take longer than the whole first classification may). The header's
sha256 covers the payload, so a truncated or edited file is refused, not half-read.
"""

from __future__ import annotations

import hashlib
import json
import sys
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

_T = TypeVar("_T", int, float)

MAGIC = b"ORCHESTRATE-TRIAGE-MODEL 1\n"
# Sections in payload order, with their array type codes ("" is the newline-joined names).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("features", ""),
    ("idf", "f"),
    ("weights", "f"),
    ("bias", "f"),
    ("precision", "f"),
    ("df", "i"),
)


class Layout(BaseModel):
    """Byte length of each payload section and the payload's sha256."""

    lengths: dict[str, int]
    payload_sha256: str


@dataclass(frozen=True)
class Arrays:
    """The model's arrays as stored: names, per-feature and per-(kind, feature) values."""

    features: list[str]
    idf: array[float]
    weights: array[float]
    bias: array[float]
    precision: array[float]
    df: array[int]


class CorruptModel(ValueError):
    """The file is not a triage model, or its payload does not match its recorded sha256."""


def write(path: Path, header: dict[str, object], arrays: Arrays) -> str:
    """Write the file; returns the payload's sha256 (also recorded in the header)."""
    parts: dict[str, bytes] = {"features": "\n".join(arrays.features).encode("utf-8")}
    for name, code in SECTIONS[1:]:
        values = array(code, getattr(arrays, name))
        if sys.byteorder != "little":
            values.byteswap()
        parts[name] = values.tobytes()
    payload = b"".join(parts[name] for name, _ in SECTIONS)
    digest = hashlib.sha256(payload).hexdigest()
    layout = Layout(lengths={k: len(v) for k, v in parts.items()}, payload_sha256=digest)
    head = json.dumps({**header, "layout": layout.model_dump()}, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(MAGIC + head.encode("utf-8") + b"\n" + payload)
    tmp.replace(path)
    return digest


def read_header(path: Path) -> tuple[dict[str, object], int]:
    """The header and the offset where the payload starts, without reading the payload."""
    with path.open("rb") as fh:
        if fh.readline() != MAGIC:
            raise CorruptModel(f"{path}: not a triage model file")
        line = fh.readline()
    return json.loads(line), len(MAGIC) + len(line)


def read(path: Path) -> tuple[dict[str, object], Arrays]:
    """Header and arrays; raises CorruptModel when the payload's sha256 does not match."""
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise CorruptModel(f"{path}: not a triage model file")
    end = data.index(b"\n", len(MAGIC))
    header = json.loads(data[len(MAGIC) : end])
    layout = Layout.model_validate(header.pop("layout"))
    payload = memoryview(data)[end + 1 :]
    if hashlib.sha256(payload).hexdigest() != layout.payload_sha256:
        raise CorruptModel(f"{path}: payload does not match its recorded sha256")
    names = bytes(payload[: layout.lengths["features"]]).decode("utf-8")
    at = layout.lengths["features"]
    floats: dict[str, array[float]] = {}
    for name, code in SECTIONS[1:-1]:
        floats[name] = _decode(array(code), payload[at : at + layout.lengths[name]])
        at += layout.lengths[name]
    df = _decode(array("i"), payload[at : at + layout.lengths["df"]])
    header["payload_sha256"] = layout.payload_sha256
    arrays = Arrays(
        features=names.split("\n") if names else [],
        idf=floats["idf"],
        weights=floats["weights"],
        bias=floats["bias"],
        precision=floats["precision"],
        df=df,
    )
    return header, arrays


def _decode(into: array[_T], chunk: memoryview) -> array[_T]:
    """Fill a typed array from little-endian bytes."""
    into.frombytes(chunk)
    if sys.byteorder != "little":
        into.byteswap()
    return into
