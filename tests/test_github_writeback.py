"""GitHub write-back over real HTTP against a loopback fake of GitHub's REST paths."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from adapters.github import Done, Failed, GitHubSettings, IssueRef, ItemState, Planned, WriteBack
from adapters.github.compose import marker
from adapters.policy import RetryPolicy
from tests.fakes.github import (
    BOT,
    TOKEN,
    FakeGitHub,
    Fault,
    primary_rate_limit,
    secondary_rate_limit,
    server_error,
)

REPO, NUMBER = "octo/app", 1347
RID = "REQ-20240501-0001"
POLICY = RetryPolicy(max_attempts=3, base_delay_s=0.0, max_delay_s=5.0)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        fake.add_issue(REPO, NUMBER, labels=("customer-report",))
        yield fake


def item(**fields: object) -> ItemState:
    base: dict[str, object] = {
        "request_id": RID,
        "issue": IssueRef(repository=REPO, number=NUMBER),
        "kind": "incident",
        "severity": "critical",
        "priority": "P1",
        "confidence": 0.93,
        "rationale": "incident (0.93): 'error rate' (error rate or latency figure)",
        "stages": [["ops", "dev"], ["test"]],
        "state": "IN_PROGRESS",
    }
    return ItemState.model_validate({**base, **fields})


class Writer:
    """A WriteBack against `fake`, recording its sleeps instead of sleeping."""

    def __init__(self, fake: FakeGitHub, token: str = TOKEN, **settings: object) -> None:
        self.sleeps: list[float] = []
        config = {"write": True, "api_url": fake.url, "base_url": "https://o.example", **settings}
        self.writeback = WriteBack(
            GitHubSettings.model_validate(config),
            POLICY,
            env={"ORCHESTRATE_GITHUB_TOKEN": token} if token else {},
            sleep=self.sleeps.append,
        )

    def __call__(self, state: ItemState) -> Done | Failed | Planned:
        return self.writeback.apply(state)


def done(outcome: object) -> Done:
    assert isinstance(outcome, Done), outcome
    return outcome


def failed(outcome: object) -> Failed:
    assert isinstance(outcome, Failed), outcome
    return outcome


def ours(fake: FakeGitHub) -> list[str]:
    return [c.body for c in fake.comments(REPO, NUMBER) if c.body.startswith(marker(RID))]


# -- write = false -------------------------------------------------------------------------


def test_with_write_off_it_only_plans_and_sends_nothing(github):
    writeback = WriteBack(GitHubSettings(api_url=github.url), POLICY, env={})
    outcome = writeback.apply(item(comment_id=77))
    assert isinstance(outcome, Planned)
    assert outcome.labels == ["kind:incident", "severity:critical", "priority:P1"]
    assert outcome.comment.startswith(marker(RID)) and outcome.comment_id == 77
    assert outcome.target == "octo/app#1347"
    assert github.requests == []


# -- write = true --------------------------------------------------------------------------


def test_the_first_write_adds_labels_and_one_comment(github):
    outcome = done(Writer(github)(item()))
    assert outcome.comment_action == "created"
    assert outcome.labels_added == ["kind:incident", "severity:critical", "priority:P1"]
    assert github.labels(REPO, NUMBER) == [
        "customer-report", "kind:incident", "severity:critical", "priority:P1",
    ]  # fmt: skip
    (comment,) = github.comments(REPO, NUMBER)
    assert (comment.id, comment.user) == (outcome.comment_id, BOT)
    assert (
        outcome.comment_url == f"{github.origin}/{REPO}/issues/{NUMBER}#issuecomment-{comment.id}"
    )
    assert (outcome.attempts, outcome.status) == (1, 200)
    sent = github.calls()
    assert outcome.calls == len(sent)
    for request in sent:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
    assert [(r.method, r.path.removeprefix(f"/repos/{REPO}/issues/{NUMBER}")) for r in sent] == [
        ("GET", "/comments"), ("POST", "/comments"), ("GET", "/labels"), ("POST", "/labels"),
    ]  # fmt: skip
    assert github.calls("POST", "/labels")[0].body == {
        "labels": ["kind:incident", "severity:critical", "priority:P1"]
    }


def test_a_later_update_edits_the_one_comment_in_place_and_adds_no_label_twice(github):
    write = Writer(github)
    first = done(write(item()))
    second = done(write(item(state="CLOSED", comment_id=first.comment_id)))
    assert (second.comment_action, second.comment_id) == ("updated", first.comment_id)
    assert second.labels_added == [] and second.labels_removed == []
    (body,) = ours(github)
    assert "CLOSED" in body and "IN_PROGRESS" not in body
    assert len(github.calls("POST", "/comments")) == 1
    assert len(github.calls("POST", "/labels")) == 1
    assert [r.path for r in github.calls("PATCH")] == [
        f"/repos/{REPO}/issues/comments/{first.comment_id}"
    ]


def test_a_changed_triage_swaps_only_allowlisted_labels(github):
    write = Writer(github)
    first = done(write(item()))
    again = done(write(item(severity="high", priority="P2", comment_id=first.comment_id)))
    assert again.labels_added == ["severity:high", "priority:P2"]
    assert again.labels_removed == ["priority:P1", "severity:critical"]
    assert github.labels(REPO, NUMBER) == [
        "customer-report", "kind:incident", "severity:high", "priority:P2",
    ]  # fmt: skip


def test_labels_already_there_in_another_case_are_not_added_again(github):
    github.add_issue(REPO, 7, labels=("Kind:Incident",))
    outcome = done(Writer(github)(item(issue=IssueRef(repository=REPO, number=7))))
    assert outcome.labels_added == ["severity:critical", "priority:P1"]
    assert github.labels(REPO, 7) == ["Kind:Incident", "severity:critical", "priority:P1"]


def test_the_api_url_may_carry_a_path_as_on_github_enterprise():
    with FakeGitHub(prefix="/api/v3") as ghe:
        ghe.add_issue(REPO, NUMBER)
        assert done(Writer(ghe)(item())).comment_action == "created"
        assert all(r.path.startswith(f"/repos/{REPO}/") for r in ghe.calls())


# -- retries never duplicate ---------------------------------------------------------------


def test_a_500_is_retried_and_the_comment_still_written_once(github):
    github.script(server_error("POST", "/comments"), server_error("POST", "/labels"))
    write = Writer(github)
    outcome = done(write(item()))
    assert outcome.attempts == 2 and len(write.sleeps) == 2
    assert len(ours(github)) == 1
    assert github.labels(REPO, NUMBER).count("kind:incident") == 1


def test_a_write_whose_answer_was_lost_is_found_again_not_repeated(github):
    github.script(
        server_error("POST", "/comments", apply=True), server_error("POST", "/labels", apply=True)
    )
    outcome = done(Writer(github)(item()))
    (comment,) = github.comments(REPO, NUMBER)
    assert outcome.comment_id == comment.id
    assert len(github.calls("POST", "/comments")) == 1  # the retry found it by its marker
    assert len(github.calls("POST", "/labels")) == 1  # the retry saw the labels were there
    assert github.labels(REPO, NUMBER) == [
        "customer-report", "kind:incident", "severity:critical", "priority:P1",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "fault",
    [secondary_rate_limit("0"), secondary_rate_limit("0", status=429), primary_rate_limit(0)],
    ids=["403-retry-after", "429-retry-after", "403-ratelimit-reset"],
)
def test_a_rate_limit_is_waited_out_and_retried(github, fault):
    fault.method, fault.path = "POST", "/comments"
    github.script(fault)
    write = Writer(github)
    outcome = done(write(item()))
    assert outcome.attempts == 2 and len(ours(github)) == 1
    assert len(write.sleeps) == 1 and write.sleeps[0] <= 1.0


def test_a_rate_limit_longer_than_the_policy_waits_fails_without_waiting(github):
    github.script(secondary_rate_limit("3600", path="/comments"))
    write = Writer(github)
    outcome = failed(write(item()))
    assert (outcome.error_kind, outcome.status) == ("rate_limited", 403)
    assert outcome.retry_after_s == pytest.approx(3600)
    assert write.sleeps == [] and outcome.attempts == 1
    assert github.calls("GET", "/labels") == []  # the next step would hit the same limit


def test_retries_give_up_after_the_policy_and_say_so(github):
    github.script(*(server_error("GET", "/comments") for _ in range(3)))
    outcome = failed(Writer(github)(item()))
    assert (outcome.error_kind, outcome.status, outcome.attempts) == ("transient", 500, 3)
    assert ours(github) == [] and outcome.comment_id is None


def test_a_failure_after_the_comment_keeps_its_id_so_the_next_write_edits_it(github):
    github.script(*(server_error("GET", "/labels") for _ in range(3)))
    write = Writer(github)
    first = failed(write(item()))
    assert first.comment_id is not None and first.labels_applied is False
    second = done(write(item(comment_id=first.comment_id)))
    assert second.comment_id == first.comment_id and second.comment_action == "updated"
    assert len(ours(github)) == 1 and "kind:incident" in github.labels(REPO, NUMBER)


# -- a comment that is gone, or was never recorded --------------------------------------------


def test_a_deleted_comment_is_written_once_more(github):
    write = Writer(github)
    first = done(write(item()))
    github.delete_comment(first.comment_id)
    again = done(write(item(comment_id=first.comment_id)))
    assert again.comment_action == "created" and again.comment_id != first.comment_id
    assert len(ours(github)) == 1
    assert [r.status for r in github.calls("PATCH")] == [404]


def test_a_stale_recorded_id_finds_our_comment_by_its_marker(github):
    write = Writer(github)
    first = done(write(item()))
    again = done(write(item(comment_id=999_999, state="CLOSED")))
    assert (again.comment_action, again.comment_id) == ("updated", first.comment_id)
    assert len(ours(github)) == 1 and "CLOSED" in ours(github)[0]


def test_our_comment_is_found_past_the_first_page(github):
    for i in range(150):
        github.add_comment(REPO, NUMBER, f"me too ({i})")
    first = done(Writer(github)(item()))
    again = done(Writer(github)(item(state="CLOSED")))  # nothing recorded: search by marker
    assert again.comment_id == first.comment_id and len(ours(github)) == 1
    pages = github.calls("GET", "/comments")
    assert [r.query.get("page") for r in pages[-2:]] == [None, "2"]


def test_a_persons_comment_quoting_the_marker_mid_text_is_not_ours(github):
    github.add_comment(REPO, NUMBER, f"what is this {marker(RID)} thing?")
    done(Writer(github)(item()))
    assert len(ours(github)) == 1 and len(github.comments(REPO, NUMBER)) == 2


# -- failures are results, and never carry the token ----------------------------------------


def test_a_rejected_token_is_a_clear_failure_not_an_exception(github):
    outcome = failed(Writer(github, token="ghp_WrongToken0123456789abcdefXYZ")(item()))
    assert (outcome.error_kind, outcome.status, outcome.attempts) == ("auth", 401, 1)
    assert "ORCHESTRATE_GITHUB_TOKEN" in outcome.error and "Bad credentials" in outcome.error
    assert "ghp_WrongToken" not in outcome.error
    assert len(github.calls()) == 1  # not retried, and the labels step not tried


def test_a_missing_token_fails_before_anything_is_sent(github):
    outcome = failed(Writer(github, token="")(item()))
    assert outcome.error_kind == "not_ready" and "ORCHESTRATE_GITHUB_TOKEN" in outcome.error
    assert github.requests == []


def test_a_permission_refusal_is_auth_and_a_missing_issue_not_found(github):
    github.script(Fault(403, path="/comments", message="Resource not accessible by integration"))
    refused = failed(Writer(github)(item()))
    assert (refused.error_kind, refused.status) == ("auth", 403)
    assert "Resource not accessible" in refused.error
    missing = failed(Writer(github)(item(issue=IssueRef(repository=REPO, number=9))))
    assert (missing.error_kind, missing.status) == ("not_found", 404)


def test_the_token_never_appears_in_an_error(github):
    github.script(*(server_error(echo_auth=True) for _ in range(3)))
    outcome = failed(Writer(github)(item()))
    assert outcome.error_kind == "transient"
    assert "credential" in outcome.error and TOKEN not in outcome.error
    github.script(Fault(422, path="/comments", echo_auth=True))
    permanent = failed(Writer(github)(item()))
    assert permanent.error_kind == "permanent" and TOKEN not in permanent.error
    assert TOKEN not in repr(permanent) and TOKEN not in permanent.model_dump_json()


def test_an_unreachable_github_is_a_transient_failure():
    with FakeGitHub() as fake:
        url = fake.url
    writeback = WriteBack(
        GitHubSettings(write=True, api_url=url, timeout_s=2),
        POLICY,
        env={"ORCHESTRATE_GITHUB_TOKEN": TOKEN},
        sleep=lambda s: None,
    )
    outcome = failed(writeback.apply(item()))
    assert outcome.error_kind == "transient" and outcome.attempts == 3
    assert outcome.status is None  # no answer came
    assert "cannot reach" in outcome.error and TOKEN not in outcome.error


def test_a_token_http_cannot_carry_is_a_failure_that_does_not_show_it(github):
    token = "not-ascii-tökén-0123456789"
    outcome = failed(Writer(github, token=token)(item()))
    assert outcome.error_kind == "unexpected" and token not in outcome.error
    assert github.requests == []


def test_a_bug_inside_the_write_back_is_reported_not_raised(github, monkeypatch):
    from adapters.github.client import GitHubClient

    def broken(self: object, *args: object) -> None:
        raise RuntimeError(f"boom with {TOKEN}")

    monkeypatch.setattr(GitHubClient, "labels", broken)
    outcome = failed(Writer(github)(item()))
    assert outcome.error_kind == "unexpected" and "RuntimeError: boom" in outcome.error
    assert TOKEN not in outcome.error
    assert outcome.comment_id is not None  # the comment step had already succeeded


def test_a_2xx_that_is_not_githubs_json_is_transient(github):
    def proxy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>captive portal</html>")

    writeback = WriteBack(
        GitHubSettings(write=True, api_url="https://api.github.com"),
        POLICY,
        env={"ORCHESTRATE_GITHUB_TOKEN": TOKEN},
        sleep=lambda s: None,
        transport=httpx.MockTransport(proxy),
    )
    outcome = failed(writeback.apply(item()))
    assert outcome.error_kind == "transient" and "unreadable response" in outcome.error
