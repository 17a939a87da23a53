"""A loopback fake of the provider APIs (`server`), and the fixtures and contract tests on it."""

import pytest

# the shared contract's asserts should explain themselves like any test module's
pytest.register_assert_rewrite("tests.fakes.contract", "tests.fakes.fixtures")
