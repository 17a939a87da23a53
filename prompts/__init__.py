"""Prompt templates shipped as package data; each load carries its sha256 for the ledger."""

from __future__ import annotations

from functools import cache
from hashlib import sha256
from importlib.resources import files

from pydantic import BaseModel


class Prompt(BaseModel):
    name: str
    text: str
    sha256: str


@cache
def load(name: str) -> Prompt:
    text = files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8")
    return Prompt(name=name, text=text, sha256=sha256(text.encode()).hexdigest())
