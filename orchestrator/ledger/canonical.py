"""Canonical JSON and the hash chain: one serialisation, so every process hashes alike."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64


def canonical_bytes(obj: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: stable across processes and Python versions."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sealed_line(body: Mapping[str, Any]) -> tuple[str, bytes]:
    """The hash of an event body (without `hash`) and its canonical line with the hash in
    place, from one serialisation: keys sort `…details, hash, prev…`, and the top-level
    `,"prev":"` is the last one in the text (nothing after it can contain another)."""
    data = canonical_bytes(body)
    digest = sha256_hex(data)
    cut = data.rindex(b',"prev":"')
    return digest, data[:cut] + b',"hash":"' + digest.encode() + b'"' + data[cut:] + b"\n"


def event_hash(event_without_hash: Mapping[str, Any]) -> str:
    """The hash covers every field but `hash` itself, `prev` included, chaining the lines."""
    body = {k: v for k, v in event_without_hash.items() if k != "hash"}
    return sha256_hex(canonical_bytes(body))
