"""PostgreSQL for the tests: a database of its own per test, dropped after.

Unreachable server → the tests skip with the reason, unless ORCHESTRATE_TEST_POSTGRES is
`required` (CI sets it), and then they fail. ORCHESTRATE_TEST_POSTGRES_URL names the
server (default: trust auth on 127.0.0.1:5432, maintenance database `test`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import pytest

if TYPE_CHECKING:  # imported lazily: without the postgres extra these tests skip
    import psycopg

ADMIN_URL = os.environ.get(
    "ORCHESTRATE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _unreachable(reason: str) -> None:
    if os.environ.get("ORCHESTRATE_TEST_POSTGRES") == "required":
        pytest.fail(f"PostgreSQL is required but unreachable: {reason}")
    pytest.skip(f"PostgreSQL unreachable ({reason}); set ORCHESTRATE_TEST_POSTGRES=required")


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    try:
        import psycopg
    except ImportError as exc:  # the postgres extra is not installed
        _unreachable(str(exc))
        raise
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        _unreachable(str(exc).strip().splitlines()[0])
        raise


def url_of(database: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture
def make_database() -> Iterator[Callable[[], str]]:
    """Databases made on demand (a copy test needs two), all dropped after the test."""
    admin = _admin()
    made: list[str] = []

    def make() -> str:
        name = f"orch_test_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE DATABASE "{name}"'.encode())
        made.append(name)
        return url_of(name)

    yield make
    for name in made:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
    admin.close()


@pytest.fixture
def pg_url(make_database: Callable[[], str]) -> str:
    return make_database()


@pytest.fixture(params=["files", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a parametrized suite's ledger lives: a directory, or a fresh database."""
    if request.param == "files":
        return str(tmp_path / "coordination")
    maker: Callable[[], str] = request.getfixturevalue("make_database")
    return maker()
