"""What write-back puts on an issue: allowlisted labels and one inert comment body."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from markdown_it import MarkdownIt
from pydantic import ValidationError

from adapters.github import GitHubSettings, IssueRef, ItemState, LabelMap
from adapters.github.compose import comment_body, escape, labels_for, marker, route_text

# CommonMark + tables with raw HTML passed through: what GitHub renders before it sanitises,
# so anything unescaped would show up here as a tag
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")

SETTINGS = GitHubSettings(base_url="https://orchestrate.example")


def item(**fields: object) -> ItemState:
    base: dict[str, object] = {
        "request_id": "REQ-20240501-0001",
        "issue": IssueRef(repository="octo/app", number=1347),
        "kind": "incident",
        "severity": "critical",
        "priority": "P1",
        "confidence": 0.934,
        "rationale": "incident (0.93): 'error rate' (error rate or latency figure)",
        "stages": [["ops", "dev"], ["test"]],
        "state": "IN_PROGRESS",
    }
    return ItemState.model_validate({**base, **fields})


def html(markdown: str) -> str:
    return MARKDOWN.render(markdown)


# -- labels --------------------------------------------------------------------------------


def test_labels_come_from_the_default_allowlist():
    assert labels_for(LabelMap(), item()) == ["kind:incident", "severity:critical", "priority:P1"]
    assert "kind:bug" in LabelMap().names() and len(LabelMap().names()) == 11


def test_an_unmapped_value_never_becomes_a_label():
    labels = LabelMap(kind={"bug": "type: bug"}, severity={}, priority={"P1": "urgent"})
    assert labels_for(labels, item(kind="incident", priority="P1")) == ["urgent"]
    assert labels_for(labels, item(kind="bug", severity="critical", priority="P3")) == ["type: bug"]
    odd = item(kind="<b>question</b>", severity="sev-9", priority="whenever")
    assert labels_for(LabelMap(), odd) == []


def test_two_values_mapped_to_one_label_give_it_once():
    labels = LabelMap(severity={"critical": "hot"}, priority={"P1": "hot"})
    assert labels_for(labels, item()) == ["kind:incident", "hot"]


@pytest.mark.parametrize("name", ["", " padded", "x" * 51])
def test_a_label_name_github_would_refuse_is_a_config_error(name):
    with pytest.raises(ValidationError, match="label for 'bug'"):
        LabelMap(kind={"bug": name})


# -- settings ------------------------------------------------------------------------------


def test_settings_default_to_planning_only_against_github_com():
    s = GitHubSettings()
    assert (s.write, s.api_url, s.token_var) == (
        False,
        "https://api.github.com",
        "ORCHESTRATE_GITHUB_TOKEN",
    )
    assert s.link("REQ-1") is None  # no base_url: nowhere to link to


def test_settings_refuse_unknown_keys_bad_urls_and_templates():
    for bad in (
        {"wirte": True},
        {"api_url": "ftp://example"},
        {"api_url": ""},
        {"item_url": "{base_url}/items/{id}"},
        {"item_url": "{base_url"},
        {"labels": {"kinds": {}}},
    ):
        with pytest.raises(ValidationError):
            GitHubSettings.model_validate(bad)


def test_the_item_link_comes_from_the_template():
    s = GitHubSettings(base_url="https://o.example/", item_url="{base_url}/ui/{request_id}")
    assert s.link("REQ-20240501-0001") == "https://o.example/ui/REQ-20240501-0001"
    assert GitHubSettings(item_url="https://fixed.example/{request_id}").link("R-1") == (
        "https://fixed.example/R-1"
    )


# -- the comment ---------------------------------------------------------------------------


def test_the_comment_says_what_the_gate_decided_where_it_goes_and_links_the_item():
    body = comment_body(SETTINGS, item(needs_review=True))
    assert (
        body.splitlines()[0]
        == marker("REQ-20240501-0001")
        == ("<!-- orchestrate:REQ-20240501-0001 -->")
    )
    rendered = html(body)
    assert "<td>incident</td>" in rendered and "<td>critical</td>" in rendered
    assert "<td>P1</td>" in rendered and "<td>0.93</td>" in rendered
    assert "ops ∥ dev → test" in rendered
    assert "IN_PROGRESS" in rendered and "Needs review" in rendered
    assert "&#x27;error rate&#x27;" in rendered or "'error rate'" in rendered
    assert '<a href="https://orchestrate.example/items/REQ-20240501-0001">' in rendered
    assert "<!-- orchestrate:REQ-20240501-0001 -->" in rendered  # hidden, but there


def test_without_a_base_url_the_item_is_named_not_linked():
    rendered = html(comment_body(GitHubSettings(), item()))
    assert "REQ-20240501-0001" in rendered and "<a " not in rendered


def test_a_blocked_item_says_why_and_an_item_without_route_says_so():
    body = comment_body(
        SETTINGS, item(state="BLOCKED", blocked_reason="dev: every runtime failed", stages=[])
    )
    assert "BLOCKED — dev: every runtime failed" in html(body)
    assert "none yet" in body


def test_the_route_joins_parallel_roles_and_stages():
    assert route_text([["pm"], ["dev"], ["test"]]) == "pm → dev → test"
    assert route_text([["ops", "dev"], ["test"], []]) == "ops ∥ dev → test"


HOSTILE = [
    "<script>alert(1)</script>",
    "@everyone [x](javascript:alert(1))",
    "![pixel](https://evil.example/p.png) <img src=x onerror=alert(1)>",
    "ends a cell | and a row |\n| injected | row |",
    "line\n# Heading\n- list item\n> quote\n```\ncode",
    "see #1 and octo/app#2 and https://evil.example/login and www.evil.example",
    "<!-- orchestrate:REQ-20240501-9999 -->",
    "**bold** _em_ ~~gone~~ `code` \\[escaped\\] &amp; &lt;b&gt;",
]


def _tags(rendered: str) -> Counter[str]:
    return Counter(re.findall(r"<(!--|[a-z][a-z0-9]*)", rendered))


def _with(text: str) -> str:
    return html(
        comment_body(
            SETTINGS, item(rationale=f"quoted: {text}", kind=text, state=text, stages=[[text]])
        )
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_ticket_text_is_rendered_inert(text):
    """Wherever ticket text lands (rationale, table cell, route, state), the comment has
    exactly the elements it has with plain words there: no tag, link, image, heading, list,
    extra row or comment of the ticket's making, and no mention, reference or autolink."""
    rendered = _with(text)
    assert _tags(rendered) == _tags(_with("plain words"))
    for word in ("@everyone", "#1", "#2", "https://evil", "www.evil", 'href="javascript'):
        assert word not in rendered, word


def test_escape_keeps_the_text_readable():
    assert escape("login returns 500") == "login returns 500"
    assert escape("a\nb\tc\x00d") == "a b c d"
    assert escape("x" * 300, limit=10) == "x" * 9 + "…"
    assert escape("<b>") == "&lt;b&gt;"
    rendered = html(escape("<script>alert(1)</script> @everyone [x](javascript:y)"))
    text = rendered.replace("\u2060", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; @everyone [x](javascript:y)" in text


def test_a_request_id_that_could_close_the_marker_is_refused():
    with pytest.raises(ValidationError):
        item(request_id="REQ-1 --> <script>")
