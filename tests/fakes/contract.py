"""The behaviour every SDK-backed runtime owes, as one test class each runtime's module inherits.

`TestClaude(RuntimeContract)` with `RUNTIME = "claude"` runs all of these against the real
SDK over HTTP to the loopback fake; runtime-specific wire checks live in each module.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import ClassVar

import pytest

from adapters.base import AgentCall
from adapters.breaker import Breakers
from adapters.errors import NotReady
from adapters.executor import ChainExhausted
from roles.dev import DevArtifact
from roles.triage import TriageDecision
from tests.fakes.fixtures import KEY_VAR, KEYS, Events, Sleeps, make_executor, run_child
from tests.fakes.server import FakeProvider, Reply, base_url, credential, error, ok

TEXT = "login returns 500 for every user since the 10:00 deploy"


def triage_call(**kw: object) -> AgentCall:
    values: dict[str, object] = {
        "role": "triage",
        "system": "You classify work items.",
        "user": TEXT,
        "request_text": TEXT,
        "output_type": TriageDecision,
        "timeout_s": 5.0,
    }
    values.update(kw)
    return AgentCall(**values)  # type: ignore[arg-type]


VALID_TRIAGE = json.dumps(
    {
        "kind": "incident",
        "severity": "critical",
        "priority": "P1",
        "confidence": 0.9,
        "rationale": "login failing for all users in production",
        "signals": ["login", "500", "deploy"],
    }
)


@pytest.mark.usefixtures("provider_env")
class RuntimeContract:
    RUNTIME: ClassVar[str]

    # -- success ------------------------------------------------------------------------
    def test_success_with_valid_structured_reply(self, fake: FakeProvider, events: Events) -> None:
        fake.script(ok(VALID_TRIAGE, input_tokens=120, output_tokens=40))
        reply = make_executor(self.RUNTIME, fake, events=events).run(triage_call(), [self.RUNTIME])
        assert isinstance(reply.output, TriageDecision)
        assert reply.output.kind == "incident"
        assert reply.runtime == self.RUNTIME
        assert reply.model  # the provider's model id, recorded by ROLE_COMPLETED
        assert (reply.usage.input_tokens, reply.usage.output_tokens) == (120, 40)
        assert reply.attempts == 1 and reply.latency_ms > 0
        assert events.items == []
        [request] = fake.model_requests()
        assert credential(request.headers) == KEYS[KEY_VAR[self.RUNTIME]]
        assert request.headers.get("x-stainless-retry-count") == "0"
        assert TEXT in json.dumps(request.body)

    def test_schema_derived_reply_for_a_role_type(self, fake: FakeProvider) -> None:
        call = triage_call(role="dev", output_type=DevArtifact)
        reply = make_executor(self.RUNTIME, fake).run(call, [self.RUNTIME])
        assert isinstance(reply.output, DevArtifact)

    # -- transient failures -------------------------------------------------------------
    def test_429_then_success_honours_retry_after(self, fake: FakeProvider, events: Events) -> None:
        fake.script(error(429, "slow down", retry_after="0.3"), ok(VALID_TRIAGE))
        sleeps = Sleeps()
        ex = make_executor(self.RUNTIME, fake, events=events, sleep=sleeps)
        reply = ex.run(triage_call(), [self.RUNTIME])
        assert reply.attempts == 2
        assert sleeps.calls and sleeps.calls[0] >= 0.3
        [retry] = events.of("RUNTIME_RETRY")
        assert retry["runtime"] == self.RUNTIME and retry["error_kind"] == "transient"
        assert retry["retry_after_s"] == 0.3 and "429" in str(retry["error"])
        assert len(fake.model_requests()) == 2

    def test_persistent_500_opens_breaker_falls_back_and_a_new_process_skips_it(
        self, fake: FakeProvider, events: Events, tmp_path: Path
    ) -> None:
        fake.default = error(500, "upstream exploded")
        state = tmp_path / "runtime-state"
        ex = make_executor(self.RUNTIME, fake, events=events, state_dir=state)
        reply = ex.run(triage_call(), [self.RUNTIME, "mock"])
        assert reply.runtime == "mock"
        assert len(fake.model_requests()) == 3  # threshold 3 == max_attempts 3
        assert events.actions() == [
            "RUNTIME_RETRY",
            "RUNTIME_RETRY",
            "CIRCUIT_OPENED",
            "RUNTIME_FALLBACK",
        ]
        [opened] = events.of("CIRCUIT_OPENED")
        assert opened["runtime"] == self.RUNTIME and opened["failures"] == 3
        [fallback] = events.of("RUNTIME_FALLBACK")
        assert fallback["from_runtime"] == self.RUNTIME and fallback["to_runtime"] == "mock"
        assert fallback["error_kind"] == "transient" and fallback["circuit"] == "open"
        assert Breakers(state).get(self.RUNTIME).state == "open"

        child = run_child(
            {
                "state_dir": str(state),
                "chain": [self.RUNTIME, "mock"],
                "settings": {self.RUNTIME: {"base_url": base_url(self.RUNTIME, fake)}},
                "policy": {"breaker_threshold": 3, "breaker_cooldown_s": 60},
            }
        )
        assert child["runtime"] == "mock"
        assert len(fake.model_requests()) == 3  # the second process sent nothing
        [(action, details)] = child["events"]
        assert action == "RUNTIME_FALLBACK" and details["error_kind"] == "circuit_open"
        assert details["from_runtime"] == self.RUNTIME

    def test_timeout_is_retried(self, fake: FakeProvider, events: Events) -> None:
        fake.script(Reply(delay_s=2.0), ok(VALID_TRIAGE))
        started = time.perf_counter()
        reply = make_executor(self.RUNTIME, fake, events=events).run(
            triage_call(timeout_s=0.3), [self.RUNTIME]
        )
        assert time.perf_counter() - started < 1.5
        assert reply.attempts == 2
        [retry] = events.of("RUNTIME_RETRY")
        assert retry["error_kind"] == "timeout"

    def test_garbage_body_is_transient(self, fake: FakeProvider, events: Events) -> None:
        fake.script(Reply(raw_body=b"<html>proxy error</html>"), ok(VALID_TRIAGE))
        reply = make_executor(self.RUNTIME, fake, events=events).run(triage_call(), [self.RUNTIME])
        assert reply.attempts == 2
        assert events.of("RUNTIME_RETRY")[0]["error_kind"] == "transient"

    # -- invalid replies ----------------------------------------------------------------
    def test_invalid_json_then_valid_feeds_the_error_back(
        self, fake: FakeProvider, events: Events
    ) -> None:
        wrong_enum = json.loads(VALID_TRIAGE) | {"kind": "outage"}
        fake.script(ok("Sure! here you go"), ok(json.dumps(wrong_enum)), ok(VALID_TRIAGE))
        sleeps = Sleeps()
        ex = make_executor(self.RUNTIME, fake, events=events, sleep=sleeps)
        reply = ex.run(triage_call(), [self.RUNTIME])
        assert reply.attempts == 3 and reply.output.kind == "incident"
        assert [e["error_kind"] for e in events.of("RUNTIME_RETRY")] == ["invalid_reply"] * 2
        assert all(s == 0 for s in sleeps.calls)  # no backoff for a provider that answered
        first, second, third = (json.dumps(r.body) for r in fake.model_requests())
        assert "previous reply was rejected" not in first
        assert "no JSON object" in second
        assert "kind: Input should be" in third

    # -- auth -----------------------------------------------------------------------------
    def test_401_fails_fast_with_the_variable_and_without_the_key(
        self, fake: FakeProvider, events: Events, tmp_path: Path
    ) -> None:
        fake.default = Reply(status=401, echo_auth=True, message="invalid x-api-key")
        ex = make_executor(self.RUNTIME, fake, events=events, state_dir=tmp_path)
        started = time.perf_counter()
        with pytest.raises(ChainExhausted) as caught:
            ex.run(triage_call(), [self.RUNTIME])
        assert time.perf_counter() - started < 2.0
        message = str(caught.value)
        assert KEY_VAR[self.RUNTIME] in message and "401" in message
        assert KEYS[KEY_VAR[self.RUNTIME]] not in message
        assert caught.value.failures[0][1].kind == "auth"
        assert len(fake.model_requests()) == 1  # never retried
        assert events.items == []
        assert Breakers(tmp_path).get(self.RUNTIME).failures == 0  # not a provider outage

    def test_403_is_auth_and_falls_back(self, fake: FakeProvider, events: Events) -> None:
        fake.default = Reply(status=403, message="model not allowed")
        reply = make_executor(self.RUNTIME, fake, events=events).run(
            triage_call(), [self.RUNTIME, "mock"]
        )
        assert reply.runtime == "mock" and len(fake.model_requests()) == 1
        [fallback] = events.of("RUNTIME_FALLBACK")
        assert fallback["error_kind"] == "auth" and KEY_VAR[self.RUNTIME] in str(fallback["error"])

    def test_missing_key_sends_nothing(
        self, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GITHUB_TOKEN", "GH_TOKEN"):
            monkeypatch.delenv(var, raising=False)
        ex = make_executor(self.RUNTIME, fake)
        assert ex.runtime(self.RUNTIME).status().usable is False
        with pytest.raises(ChainExhausted) as caught:
            ex.run(triage_call(), [self.RUNTIME])
        assert isinstance(caught.value.failures[0][1], NotReady)
        assert KEY_VAR[self.RUNTIME] in str(caught.value)
        assert fake.model_requests() == []

    def test_400_is_permanent_not_retried(self, fake: FakeProvider, events: Events) -> None:
        fake.default = error(400, "unknown parameter")
        with pytest.raises(ChainExhausted) as caught:
            make_executor(self.RUNTIME, fake, events=events).run(triage_call(), [self.RUNTIME])
        assert caught.value.failures[0][1].kind == "permanent"
        assert len(fake.model_requests()) == 1 and events.items == []

    # -- secrets, status, probe ---------------------------------------------------------
    def test_key_echoed_by_a_failing_server_never_reaches_events(
        self, fake: FakeProvider, events: Events
    ) -> None:
        fake.default = Reply(status=503, echo_auth=True)
        with pytest.raises(ChainExhausted) as caught:
            make_executor(self.RUNTIME, fake, events=events).run(triage_call(), [self.RUNTIME])
        key = KEYS[KEY_VAR[self.RUNTIME]]
        assert events.of("RUNTIME_RETRY") and key not in events.dump()
        assert key not in str(caught.value) and "[redacted]" in str(caught.value)

    def test_status_needs_no_network_and_names_the_endpoint(self, fake: FakeProvider) -> None:
        runtime = make_executor(self.RUNTIME, fake).runtime(self.RUNTIME)
        status = runtime.status()
        assert status.usable and KEY_VAR[self.RUNTIME] in status.detail
        assert fake.url in status.detail
        assert KEYS[KEY_VAR[self.RUNTIME]] not in status.detail
        assert fake.requests == []

    def test_probe_reports_latency_or_the_error(self, fake: FakeProvider) -> None:
        runtime = make_executor(self.RUNTIME, fake).runtime(self.RUNTIME)
        good = runtime.probe()  # type: ignore[attr-defined]
        assert good.ok and good.latency_ms is not None and good.latency_ms >= 0
        fake.script(Reply(status=401, echo_auth=True))
        bad = runtime.probe()  # type: ignore[attr-defined]
        assert not bad.ok and bad.error_kind == "auth"
        assert KEY_VAR[self.RUNTIME] in bad.detail
        assert KEYS[KEY_VAR[self.RUNTIME]] not in bad.detail
        assert len(fake.model_requests()) == 2
