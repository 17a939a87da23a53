"""A half-open trial call that the provider answers — even with an auth error — closes
the circuit instead of leaving every caller locked out for another cooldown."""

from __future__ import annotations

import json

import pytest

from adapters.base import AgentCall
from adapters.errors import AuthError, TransientError
from adapters.executor import ChainExhausted, Executor
from adapters.mock.runtime import MockSettings
from adapters.policy import RetryPolicy
from roles.dev import DevArtifact


def _open_mock_breaker(executor: Executor) -> None:
    for _ in range(executor.policy.breaker_threshold):
        executor.breakers.failure("mock", TransientError("down"))
    assert executor.breakers.is_open("mock")


def test_trial_answered_with_auth_error_closes_the_circuit(tmp_path):
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"dev": [{"$error": "auth"}, {}]}))
    policy = RetryPolicy(breaker_threshold=2, breaker_cooldown_s=0.0, base_delay_s=0.0)
    events: list[tuple[str, dict]] = []
    executor = Executor(
        settings={"mock": MockSettings(script=str(script))},
        policy=policy,
        sink=lambda e: events.append((e.action, e.model_dump())),
        state_dir=tmp_path,
    )
    _open_mock_breaker(executor)
    call = AgentCall(role="dev", system="s", user="u", output_type=DevArtifact, request_text="x")
    with pytest.raises(ChainExhausted) as caught:  # the trial's auth error surfaces
        executor.run(call, ["mock"])
    assert isinstance(caught.value.failures[0][1], AuthError)
    assert not executor.breakers.is_open("mock")
    assert ("CIRCUIT_CLOSED", {"runtime": "mock", "role": "dev"}) in events
    assert executor.run(call, ["mock"]).runtime == "mock"  # the next caller is let through
