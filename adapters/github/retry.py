"""The shared `[retry]` policy, applied to one write-back step at a time.

A step is idempotent as a whole (it re-reads what is there before it writes), so retrying
it can never duplicate a label or a comment. Transient failures (5xx, 429, rate limits,
timeouts) are retried after exponential backoff with jitter, never sooner than the
server's hint; a hint longer than `max_delay_s` gives up at once (the write-back fails and
the run goes on). One `deadline_s` bounds all the steps of one write-back.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception

from adapters.errors import AdapterError
from adapters.policy import RetryPolicy

T = TypeVar("T")


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, AdapterError) and exc.retryable


class Retry:
    def __init__(
        self,
        policy: RetryPolicy,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._deadline = clock() + policy.deadline_s
        self.most_tries = 0  # the most tries any one step needed (1: nothing was retried)

    def run(self, step: Callable[[], T]) -> T:
        tries = 0
        retrying = Retrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    tries += 1
                    return step()
        finally:
            self.most_tries = max(self.most_tries, tries)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _hint(self, rs: RetryCallState) -> float:
        exc = rs.outcome.exception() if rs.outcome else None
        return (exc.retry_after if isinstance(exc, AdapterError) else None) or 0.0

    def _stop(self, rs: RetryCallState) -> bool:
        if rs.attempt_number >= self.policy.max_attempts:
            return True
        if self._hint(rs) > self.policy.max_delay_s:  # asked to wait longer than we ever would
            return True
        return self._clock() + rs.upcoming_sleep >= self._deadline

    def _wait(self, rs: RetryCallState) -> float:
        base = self.policy.base_delay_s
        backoff = base * 2.0 ** max(0, rs.attempt_number - 1) + random.uniform(0, base)
        return min(max(backoff, self._hint(rs)), self.policy.max_delay_s)
