"""How the service says no: one JSON line `{"error": …}` and a status, from one table.

The CLI's exit codes and the service's statuses say the same things, so an error the
Python API raises maps through its exit code: bad input 400, not found 404, a state that
does not allow it 409, damaged 500, no usable runtime 503, busy 409, waiting 409.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from orchestrator.errors import OrchestrateError

STATUS_BY_EXIT: dict[int, int] = {2: 400, 3: 404, 4: 409, 5: 500, 6: 503, 7: 409, 8: 409}


class ProblemBody(BaseModel):
    error: str


class Problem(Exception):
    """Answer `status` with one line; raised anywhere in a route, rendered by the app."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def from_error(exc: OrchestrateError) -> Problem:
    return Problem(STATUS_BY_EXIT.get(exc.exit_code, 500), str(exc))
