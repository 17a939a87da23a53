"""Write an item's triage back to the GitHub issue it came from: allowlisted labels and one
comment, edited in place on every later write.

`WriteBack(settings).apply(item)` returns what happened and never raises: a failed write
must never block or fail the run. With `write = false` it returns `Planned` and sends
nothing. Otherwise two steps, each idempotent as a whole and retried with the shared
policy (`adapters.github.retry`):

- the comment: edited by its recorded id; if that is gone (404, someone deleted it) or
  none is recorded, found again by the marker that opens its body and edited, and only if
  there is none, created. A create whose answer was lost is therefore found, not repeated.
- the labels: the issue's labels are read, then only the missing allowlisted ones added
  (GitHub keeps them as a set) and allowlisted ones the triage no longer asks for removed;
  labels a person set outside the allowlist are never touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from adapters.errors import AdapterError, AuthError, PermanentError
from adapters.github.compose import comment_body, labels_for, marker
from adapters.github.models import Done, Failed, ItemState, Outcome, Planned
from adapters.github.settings import GitHubSettings
from adapters.policy import RetryPolicy
from adapters.secrets import key_from_env, redact

if TYPE_CHECKING:
    import httpx

    from adapters.github.client import Comment, GitHubClient

CommentAction = Literal["created", "updated"]


class Unexpected(PermanentError):
    kind = "unexpected"


@dataclass
class _Progress:
    """What has been written so far, kept across retries and reported even on failure."""

    comment: Comment | None = None
    comment_action: CommentAction = "created"
    labels_done: bool = False
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[AdapterError] = field(default_factory=list)


class WriteBack:
    def __init__(
        self,
        settings: GitHubSettings,
        policy: RetryPolicy | None = None,
        *,
        env: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.policy = policy or RetryPolicy()
        self._env = env
        self._sleep = sleep
        self._clock = clock
        self._transport = transport

    def plan(self, item: ItemState) -> Planned:
        """What a write would put on the issue, without sending anything."""
        return Planned(
            target=str(item.issue),
            labels=labels_for(self.settings.labels, item),
            comment=comment_body(self.settings, item),
            comment_id=item.comment_id,
        )

    def apply(self, item: ItemState) -> Outcome:
        """`Planned` when writing is off; else `Done` or `Failed`. Never raises."""
        plan = self.plan(item)
        if not self.settings.write:
            return plan
        var, token = key_from_env((self.settings.token_var,), self._env)
        if not token:
            error = f"github: set {var} to a token that may write issues"
            return self._failed(plan, _Progress(), error, kind="not_ready")
        try:
            return self._write(item, plan, token)
        except Exception as exc:  # a bug here must not take the run down with it
            error = f"unexpected {type(exc).__name__}: {exc}"
            return self._failed(plan, _Progress(), error, token=token)

    # -- writing ---------------------------------------------------------------------------
    def _write(self, item: ItemState, plan: Planned, token: str) -> Outcome:
        from adapters.github.client import GitHubClient  # httpx only when something is sent
        from adapters.github.retry import Retry

        retry = Retry(self.policy, self._sleep, self._clock)
        progress = _Progress()
        with GitHubClient(self.settings, token, transport=self._transport) as client:
            steps = (
                lambda: self._comment(client, item, plan.comment, progress),
                lambda: self._labels(client, item, plan.labels, progress),
            )
            for step in steps:
                try:
                    retry.run(step)
                except AdapterError as exc:
                    progress.errors.append(exc)
                    if isinstance(exc, AuthError) or exc.retryable:
                        break  # the next step would only meet the same refusal or limit
                except Exception as exc:  # a bug: report it, keeping what was written
                    progress.errors.append(Unexpected(f"unexpected {type(exc).__name__}: {exc}"))
                    break
            return self._outcome(plan, progress, retry.most_tries, client, token)

    def _comment(
        self, client: GitHubClient, item: ItemState, body: str, progress: _Progress
    ) -> None:
        from adapters.github.client import NotFound

        known = progress.comment.id if progress.comment else item.comment_id
        if known is not None:
            try:
                progress.comment = client.update_comment(item.issue, known, body)
                progress.comment_action = "updated"
                return
            except NotFound:
                pass  # deleted by a person: find it by its marker, else write it once more
        found = client.find_comment(item.issue, marker(item.request_id))
        if found is not None:
            progress.comment = client.update_comment(item.issue, found.id, body)
            progress.comment_action = "updated"
        else:
            progress.comment = client.create_comment(item.issue, body)
            progress.comment_action = "created"

    def _labels(
        self, client: GitHubClient, item: ItemState, wanted: list[str], progress: _Progress
    ) -> None:
        have = {name.casefold(): name for name in client.labels(item.issue)}  # case-blind
        allowed = {name.casefold() for name in self.settings.labels.names()}
        keep = {name.casefold() for name in wanted}
        missing = [name for name in wanted if name.casefold() not in have]
        stale = sorted(n for f, n in have.items() if f in allowed and f not in keep)
        if missing:
            client.add_labels(item.issue, missing)
            progress.added.extend(n for n in missing if n not in progress.added)
        for name in stale:
            if client.remove_label(item.issue, name) and name not in progress.removed:
                progress.removed.append(name)
        progress.labels_done = True

    # -- reporting -------------------------------------------------------------------------
    def _outcome(
        self, plan: Planned, progress: _Progress, tries: int, client: GitHubClient, token: str
    ) -> Outcome:
        if progress.errors:
            first = progress.errors[0]
            return self._failed(
                plan, progress, str(first), kind=first.kind, attempts=tries, calls=client.calls,
                status=client.last_status, retry_after_s=first.retry_after, token=token,
            )  # fmt: skip
        assert progress.comment is not None
        return Done(
            target=plan.target,
            labels=plan.labels,
            comment_id=progress.comment.id,
            comment_action=progress.comment_action,
            comment_url=progress.comment.html_url,
            labels_added=progress.added,
            labels_removed=progress.removed,
            status=client.last_status,
            attempts=tries,
            calls=client.calls,
        )

    def _failed(
        self,
        plan: Planned,
        progress: _Progress,
        error: str,
        *,
        kind: str = "unexpected",
        attempts: int = 0,
        calls: int = 0,
        status: int | None = None,
        retry_after_s: float | None = None,
        token: str = "",
    ) -> Failed:
        return Failed(
            target=plan.target,
            labels=plan.labels,
            comment_id=progress.comment.id if progress.comment else plan.comment_id,
            error_kind=kind,
            error=redact(error, (token,) if token else ())[:500],
            status=status,
            attempts=attempts,
            calls=calls,
            retry_after_s=None if retry_after_s is None else round(retry_after_s, 3),
            labels_applied=progress.labels_done,
        )
