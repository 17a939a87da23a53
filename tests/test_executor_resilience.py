"""The executor's resilience rules, runtime-independent: backoff, deadline, bounds, breakers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

from adapters.base import AgentCall, RawReply, Runtime, RuntimeSettings
from adapters.breaker import FILE_NAME, Breakers
from adapters.errors import AdapterError, AuthError, TransientError
from adapters.executor import ChainExhausted, Executor
from adapters.policy import RetryPolicy
from tests.fakes.contract import VALID_TRIAGE, triage_call
from tests.fakes.fixtures import Events, Sleeps, fast_policy, make_executor
from tests.fakes.server import FakeProvider, Reply, error, ok

pytest_plugins = ("tests.fakes.fixtures",)


class Scripted(Runtime[RuntimeSettings]):
    """An in-process runtime that raises or answers from a list (the last entry repeats)."""

    name: ClassVar[str] = "scripted"

    def __init__(self, *outcomes: AdapterError | Exception | str) -> None:
        super().__init__(RuntimeSettings())
        self.outcomes = list(outcomes)
        self.calls: list[AgentCall[Any]] = []

    def invoke(self, call: AgentCall[Any]) -> RawReply:
        self.calls.append(call)
        outcome = self.outcomes[min(len(self.calls), len(self.outcomes)) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        return RawReply(text=outcome, model="scripted-1")


def executor_with(runtime: Scripted, **kw: object) -> Executor:
    ex = Executor(**kw)  # type: ignore[arg-type]
    ex._runtimes["scripted"] = runtime  # a test double in place of a registered runtime
    return ex


def test_constructor_is_backwards_compatible(tmp_path: Path, events: Events) -> None:
    ex = Executor(
        settings={"mock": RuntimeSettings()},
        policy=RetryPolicy(),
        sink=events,
        state_dir=tmp_path / "runtime-state",
    )
    reply = ex.run(triage_call(), ["mock"])
    assert reply.runtime == "mock" and reply.attempts == 1


def test_backoff_is_exponential_with_jitter_and_capped(events: Events) -> None:
    flaky = Scripted(TransientError("503"))
    sleeps = Sleeps(cap_s=0)
    policy = fast_policy(max_attempts=5, base_delay_s=0.1, max_delay_s=0.5, breaker_threshold=99)
    ex = executor_with(flaky, policy=policy, sink=events, sleep=sleeps)
    with pytest.raises(ChainExhausted):
        ex.run(triage_call(), ["scripted"])
    assert len(flaky.calls) == 5
    first, second, third, fourth = sleeps.calls
    assert 0.1 <= first <= 0.2 and 0.2 <= second <= 0.3 and 0.4 <= third <= 0.5
    assert fourth == 0.5
    assert [e["attempt"] for e in events.of("RUNTIME_RETRY")] == [1, 2, 3, 4]


def test_retry_after_longer_than_we_would_wait_falls_back_at_once(events: Events) -> None:
    limited = Scripted(TransientError("429", retry_after=3600))
    sleeps = Sleeps(cap_s=0)
    ex = executor_with(limited, policy=fast_policy(max_delay_s=5), sink=events, sleep=sleeps)
    reply = ex.run(triage_call(), ["scripted", "mock"])
    assert reply.runtime == "mock" and len(limited.calls) == 1 and sleeps.calls == []
    [fallback] = events.of("RUNTIME_FALLBACK")
    assert fallback["error_kind"] == "transient"


@pytest.mark.usefixtures("provider_env")
def test_deadline_caps_the_whole_call_and_each_request(fake: FakeProvider, events: Events) -> None:
    fake.default = Reply(delay_s=3.0)
    ex = make_executor("claude", fake, events=events, timeout_s=30, deadline_s=0.6)
    ex.runtime("claude").warm()  # type: ignore[attr-defined]  # SDK import and client: not measured
    started = time.perf_counter()
    with pytest.raises(ChainExhausted) as caught:
        ex.run(triage_call(timeout_s=30), ["claude", "mock"])
    elapsed = time.perf_counter() - started
    assert elapsed < 1.5  # the 30 s request timeout was cut to what the deadline left
    kinds = [exc.kind for _, exc in caught.value.failures]
    assert kinds[-1] == "deadline" and "mock" not in [n for n, _ in caught.value.failures]
    assert not events.of("RUNTIME_FALLBACK")


@pytest.mark.usefixtures("provider_env")
def test_invalid_replies_are_bounded_then_fall_back(
    fake: FakeProvider, events: Events, tmp_path: Path
) -> None:
    fake.default = ok("I cannot produce JSON today")
    ex = make_executor("claude", fake, events=events, state_dir=tmp_path, max_invalid_replies=2)
    reply = ex.run(triage_call(), ["claude", "mock"])
    assert reply.runtime == "mock"
    assert len(fake.model_requests()) == 3  # the first try and two re-asks
    assert [e["error_kind"] for e in events.of("RUNTIME_RETRY")] == ["invalid_reply"] * 2
    assert events.of("RUNTIME_FALLBACK")[0]["error_kind"] == "invalid_reply"
    assert Breakers(tmp_path).get("claude").failures == 0  # the provider answered


def test_auth_errors_are_not_retried_and_do_not_trip_the_breaker(
    tmp_path: Path, events: Events
) -> None:
    denied = Scripted(AuthError("set SCRIPTED_KEY"))
    ex = executor_with(
        denied, policy=fast_policy(breaker_threshold=1), sink=events, state_dir=tmp_path
    )
    for _ in range(3):
        assert ex.run(triage_call(), ["scripted", "mock"]).runtime == "mock"
    assert len(denied.calls) == 3 and not events.of("RUNTIME_RETRY")
    assert not events.of("CIRCUIT_OPENED")
    assert [e["error_kind"] for e in events.of("RUNTIME_FALLBACK")] == ["auth"] * 3


def test_a_runtime_that_breaks_the_contract_falls_back(events: Events) -> None:
    broken = Scripted(KeyError("boom"))
    reply = executor_with(broken, sink=events).run(triage_call(), ["scripted", "mock"])
    assert reply.runtime == "mock" and len(broken.calls) == 1
    assert events.of("RUNTIME_FALLBACK")[0]["error_kind"] == "permanent"


def test_an_unloadable_runtime_in_the_chain_falls_back(events: Events) -> None:
    reply = Executor(sink=events).run(triage_call(), ["no-such-runtime", "mock"])
    assert reply.runtime == "mock"
    assert events.of("RUNTIME_FALLBACK")[0]["from_runtime"] == "no-such-runtime"


@pytest.mark.usefixtures("provider_env")
def test_half_open_trial_success_closes_the_circuit(
    fake: FakeProvider, events: Events, tmp_path: Path
) -> None:
    fake.script(error(500), error(500))
    ex = make_executor(
        "claude",
        fake,
        events=events,
        state_dir=tmp_path,
        breaker_threshold=2,
        breaker_cooldown_s=0.2,
    )
    assert ex.run(triage_call(), ["claude", "mock"]).runtime == "mock"
    assert ex.run(triage_call(), ["claude", "mock"]).runtime == "mock"  # skipped: open
    assert len(fake.model_requests()) == 2
    time.sleep(0.25)
    fake.script(ok(VALID_TRIAGE))
    reply = ex.run(triage_call(), ["claude", "mock"])
    assert reply.runtime == "claude"
    assert events.actions()[-1] == "CIRCUIT_CLOSED"
    assert events.of("CIRCUIT_CLOSED") == [{"runtime": "claude", "role": "triage"}]
    assert Breakers(tmp_path).get("claude").state == "closed"
    fallbacks = events.of("RUNTIME_FALLBACK")
    assert [f["error_kind"] for f in fallbacks] == ["transient", "circuit_open"]


@pytest.mark.usefixtures("provider_env")
def test_half_open_trial_failure_reopens_without_retrying(
    fake: FakeProvider, events: Events, tmp_path: Path
) -> None:
    fake.default = error(503)
    ex = make_executor(
        "claude",
        fake,
        events=events,
        state_dir=tmp_path,
        breaker_threshold=1,
        breaker_cooldown_s=0.2,
    )
    ex.run(triage_call(), ["claude", "mock"])
    assert len(fake.model_requests()) == 1
    time.sleep(0.25)
    ex.run(triage_call(), ["claude", "mock"])
    assert len(fake.model_requests()) == 2  # one trial request, no retries
    assert len(events.of("CIRCUIT_OPENED")) == 2
    state = Breakers(tmp_path).get("claude")
    assert state.state == "open" and state.times_opened == 2


def test_half_open_lease_admits_one_trial_at_a_time(tmp_path: Path) -> None:
    now = [1000.0]
    board = Breakers(tmp_path, threshold=1, cooldown_s=30, clock=lambda: now[0])
    other = Breakers(tmp_path, threshold=1, cooldown_s=30, clock=lambda: now[0])
    assert board.failure("codex", TransientError("500")).opened
    assert not other.admit("codex").allowed
    now[0] += 31
    first = board.admit("codex")
    assert first.allowed and first.trial
    assert not other.admit("codex").allowed  # another process waits for the trial
    now[0] += 31  # the trial's process died: its lease ran out
    assert other.admit("codex").trial
    assert other.success("codex").closed
    assert board.admit("codex").allowed and not board.admit("codex").trial


def test_breaker_state_file_is_readable_json_and_damage_is_tolerated(tmp_path: Path) -> None:
    board = Breakers(tmp_path, threshold=2)
    board.failure("copilot", TransientError("HTTP 502"))
    data = json.loads((tmp_path / FILE_NAME).read_text())
    assert data["runtimes"]["copilot"]["failures"] == 1
    assert data["runtimes"]["copilot"]["last_error"] == "HTTP 502"
    (tmp_path / FILE_NAME).write_text("{not json")
    assert Breakers(tmp_path).get("copilot").state == "closed"
    assert Breakers(tmp_path).admit("copilot").allowed


def test_concurrent_processes_count_every_failure(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from adapters.breaker import Breakers\n"
        "from adapters.errors import TransientError\n"
        "b = Breakers(Path(sys.argv[1]), threshold=10_000)\n"
        "for _ in range(25): b.failure('claude', TransientError('x'))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)]) for _ in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    assert Breakers(tmp_path).get("claude").failures == 100


def test_breaker_opened_elsewhere_stops_retries_midway(tmp_path: Path, events: Events) -> None:
    board = Breakers(tmp_path, threshold=1)

    class TripsElsewhere(Scripted):
        def invoke(self, call: AgentCall) -> RawReply:
            board.failure("elsewhere", TransientError("x"))
            if len(self.calls) == 0:  # another process opens *this* runtime's breaker
                Breakers(tmp_path, threshold=1).failure("scripted", TransientError("down"))
            return super().invoke(call)

    runtime = TripsElsewhere(TransientError("503"))
    ex = executor_with(
        runtime,
        policy=fast_policy(breaker_threshold=5),
        sink=events,
        state_dir=tmp_path,
        sleep=Sleeps(cap_s=0),
    )
    assert ex.run(triage_call(), ["scripted", "mock"]).runtime == "mock"
    assert len(runtime.calls) == 1


def test_redact_masks_planted_values_and_key_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.secrets import MASK, redact

    monkeypatch.setenv("OPENAI_API_KEY", "plain-value-without-shape")
    text = (
        "key plain-value-without-shape, sk-ant-abcdefghijkl, ghp_0123456789abcdefXYZ, "
        "github_pat_0123456789abcdef_xyz, Authorization: Bearer abc.def-ghi_123"
    )
    out = redact(text)
    assert out.count(MASK) == 5
    for secret in ("plain-value", "sk-ant-", "ghp_", "github_pat_", "abc.def"):
        assert secret not in out
