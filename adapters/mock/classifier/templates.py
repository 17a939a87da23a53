"""Issue-template headings: evidence of which form the reporter filled in, then masked.

A heading such as "Describe the bug" says the reporter chose the bug form; "Is your feature
request related to a problem?" says they chose the feature form. The heading counts once, as
a template signal, and its words are then blanked so that "feature" inside a bug form's
boilerplate (or "bug" inside a feature form's) cannot also count as content evidence.
"""

from __future__ import annotations

from adapters.mock.classifier.schema import Kind
from adapters.mock.classifier.signals import Signal, compile_table

_B, _F = "bug", "feature"

# (kind, weight, where, pattern): headings of the common issue forms, in general wording.
TEMPLATE_TABLE: tuple[tuple[Kind, float, str, str], ...] = (
    (_B, 2.5, "any", r"describe the (?:bug|issue|problem)"),
    (_B, 2.0, "any", r"bug (?:description|report|summary)\b"),
    (_B, 2.0, "any", r"(?:steps|how) to reproduce|repro(?:duction)? steps|to reproduce\b"),
    (_B, 2.0, "any", r"(?:expected|desired) (?:behaviou?r|result|outcome)"),
    (_B, 2.0, "any", r"(?:actual|current|observed) (?:behaviou?r|result|outcome)"),
    (_B, 2.0, "any", r"how often does (?:this|the) (?:bug|issue|problem) happen"),
    (_B, 2.0, "any", r"have you reproduced (?:the|this) (?:bug|issue|problem)"),
    (_B, 1.0, "any", r"does this issue occur when"),
    (_B, 1.0, "any", r"(?:what happened|what did you expect to happen)\??"),
    (
        _B,
        1.5,
        "any",
        r"relevant log output|error message\s{0,4}(?:\(automated\))?\s{0,4}:?\s{0,4}\n",
    ),
    (_B, 1.5, "any", r"(?:call|stack) (?:stack|trace)\s{0,4}(?:\(automated\))?\s{0,4}\n"),
    (_B, 1.5, "any", r"(?:minimal )?(?:standalone )?code to reproduce(?: the issue)?"),
    (_B, 1.0, "any", r"(?:system|environment) information|operating system\s{0,4}:?\s{0,4}\n"),
    (_F, 3.0, "any", r"is your feature(?: request)? related to a problem(?:, if so)?"),
    (_F, 3.0, "any", r"describe the (?:solution|feature)(?: and motivation)?(?: you'?d like)?"),
    (_F, 3.0, "any", r"descripe the feature(?: and motivation)?"),
    (_F, 3.0, "any", r"please describe the feature you'?d like(?: to see added)?"),
    (_F, 2.0, "any", r"describe alternatives you'?ve considered|alternatives considered"),
    (_F, 2.0, "any", r"are you willing to contribute(?: it)?"),
    (_F, 1.5, "any", r"(?:proposed|suggested|possible) (?:solution|api|change|implementation)"),
    (_F, 1.5, "any", r"(?:^|\n)\W*(?:use cases?|motivation|proposal)\s{0,4}:?\s{0,4}\n"),
    (_F, 1.5, "any", r"who will benefit with this feature"),
    (_F, 1.0, "any", r"will this change the current api"),
)

TEMPLATES: tuple[Signal, ...] = compile_table(TEMPLATE_TABLE)
