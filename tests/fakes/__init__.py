"""Loopback fakes of the provider APIs, and the fixtures and contract tests built on them."""

import pytest

# the shared contract's asserts should explain themselves like any test module's
pytest.register_assert_rewrite("tests.fakes.contract", "tests.fakes.fixtures")
