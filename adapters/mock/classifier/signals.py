"""Hand-written signals: general shapes of tickets that a bag of words sees poorly.

Each signal is a feature of the model (its weight per kind is learned, not set here) and,
when it fires, readable evidence: the phrase it matched is quoted in the rationale. Some
signals are also impact evidence for severity (`impact`). Every row is general engineering
language: no product, company, repository or issue-form wording.

Patterns run on the lower-cased ticket, except `cased` rows (alert names are CamelCase).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from adapters.mock.classifier.literals import Needs, Scanner, alternatives, needs
from adapters.mock.classifier.text import Ticket, squash

Impact = Literal[
    "security",
    "privacy",
    "data_loss",
    "unusable",
    "scope_all",
    "scope_some",
    "blocking",
    "workaround",
    "cosmetic",
    "money",
    "declared_critical",
    "declared_high",
    "production",
    "live",
]

_UI = (
    r"(?:footer|header|title|button|label|tooltip|menu|banner|page|email|message|toast|heading|"
    r"placeholder|link|badge|caption|column|field|dialog|screen|popup|notification|receipt)"
)
_OPS_NOUN = (
    r"(?:nodes?|pods?|runners?|workers?|brokers?|replicas?|instances?|targets?|hosts?|servers?|"
    r"clusters?|shards?|consumers?|containers?|services?|gateway|load balancer|database|db)"
)

# (name, description, impact, pattern). Descriptions are what a reviewer reads.
_ROWS: tuple[tuple[str, str, Impact | None, str], ...] = (
    # -- alerting and operations ------------------------------------------------------------
    (
        "alert_tag",
        "alert subject tag",
        None,
        r"^\W{0,2}\[(?:firing|resolved|triggered|alert|alarm|critical|warning|warn|"
        r"acknowledged|p[1-5]|sev ?-?[0-4])\b[^\]\n]{0,20}\]",
    ),
    (
        "alert_source",
        "alerting or paging tool",
        None,
        r"\b(?:pagerduty|opsgenie|victorops|alertmanager|datadog monitor|nagios|zabbix|"
        r"on-?call|paging|paged|alert(?:ing)? fired)\b|^\W{0,2}(?:alert|alarm|triggered)\b\W",
    ),
    (
        "declared_critical",
        "declared top severity",
        "declared_critical",
        r"\b(?:sev|severity) ?-?[01]\b|\bp[01] ?[-:\]]|^\W{0,2}\[critical\]",
    ),
    (
        "declared_high",
        "declared high severity",
        "declared_high",
        r"\b(?:sev|severity) ?-?2\b|"
        r"\[p2\]|\bp2 ?[-:\]]",
    ),
    (
        "status_update",
        "status-page update",
        None,
        r"(?:^|\n)\W{0,2}(?:investigating|identified|monitoring|resolved|update|postmortem)\s*"
        r"[-:\u2013]|\bwe(?: are|'re) (?:currently |actively )?(?:investigating|looking into|"
        r"seeing|aware of|working on a fix)|\bissue has been (?:identified|mitigated|resolved)|"
        r"\bfix has been (?:applied|deployed|implemented|rolled out)|\bengineers (?:are )?"
        r"(?:engaged|investigating)|\bnext update\b|\bmonitoring (?:the )?(?:fix|results|recovery)",
    ),
    (
        "outage",
        "outage language",
        "unusable",
        r"\b(?:outage|downtime|(?:is|are|went|goes) down|down for|(?:site|prod|production|"
        r"service|api|app|server|cluster|database|db|website|backend) (?:is |was )?down\b|"
        r"unavailable|unreachable|not resolving|service unavailable)",
    ),
    (
        "scope_all",
        "everyone affected",
        "scope_all",
        r"\b(?:for (?:everyone|everybody|all (?:users|customers|tenants|clients|regions))|"
        r"all (?:users|customers|tenants|clients|requests|regions|builds|consumers|traffic|card)|"
        r"every (?:customer|user|request|client|page|tenant|connection|order)|everyone|"
        r"nobody can|no one can|no customer|whole (?:office|company|team)|entire (?:site|"
        r"platform|app|service))\b",
    ),
    (
        "scope_some",
        "some users affected",
        "scope_some",
        r"\b(?:some (?:users|customers|requests|regions|isps|accounts|tenants)|(?:a )?subset "
        r"of|a (?:small )?number of|partial(?:ly)?|intermittent(?:ly)?|sporadic\w*|degraded|"
        r"\d+ ?(?:of|/) ?\d+ (?:pods|nodes|targets|hosts|instances|replicas|servers))\b",
    ),
    (
        "production",
        "production environment",
        "production",
        r"\bprod(?:uction)?\b|\blive (?:site|system|environment)\b",
    ),
    (
        "happening_now",
        "happening now",
        "live",
        r"\b(?:right now|since (?:this morning|yesterday|last night|the (?:deploy|release|"
        r"change|migration|rollout)|about|around|monday|tuesday|wednesday|thursday|friday|"
        r"saturday|sunday|~?\d{1,2}(?::\d\d)?(?![.\d]))|(?:for|in) the (?:last|past) \d+ ?"
        r"(?:s|sec|seconds?|m|mins?|minutes?|h|hours?)|\d+ ?(?:minutes?|mins?|hours?) ago|"
        r"ongoing|still (?:down|failing|unavailable))",
    ),
    (
        "error_rate",
        "error rate or latency figure",
        None,
        r"\b(?:p9[059]|99th percentile|latency|error rates?|5xx rate|timeouts?|timing out|"
        r"timed out|\d+(?:\.\d+)? ?% (?:errors?|of requests|failures?))\b",
    ),
    (
        "http_5xx",
        "HTTP 5xx status",
        None,
        r"\b(?:returns?|returning|answers?|getting|got|gives?|giving|throws?|with|http|status|"
        r"error|code|elevated|seeing) (?:an? |code )?5\d\d\b|\b5\d\d (?:errors?|responses?|status|"
        r"internal|bad gateway|service unavailable|gateway|on)\b|\b5xx\b|\b5\d\ds\b",
    ),
    (
        "disk_pressure",
        "disk pressure",
        None,
        r"\bdisk ?(?:space|usage|pressure|full|is full)|\b(?:disk|volume|filesystem|partition)s?"
        r" (?:is |are )?(?:full|filling up|at \d+ ?%)|\binodes?\b|\bno space left\b",
    ),
    (
        "certificate",
        "certificate trouble",
        None,
        r"\b(?:certificate|cert|tls|ssl)s? (?:has |have |is |are )?(?:expired|expiring|expires|"
        r"invalid|error|handshake)|\bcertificate\w*expir\w*|\bhandshake\b",
    ),
    (
        "queue_backlog",
        "queue backlog",
        None,
        r"\b(?:queue|backlog|queue depth)s? (?:is |are )?(?:stuck|growing|backed up|depth|full|"
        r"at \d)|\bqueue depth\b|\bbacklog (?:is )?(?:at|of|growing)\b",
    ),
    (
        "lag_replication",
        "lag or replication trouble",
        None,
        r"\b(?:consumer|replication|replica) ?lag\b|\blag \d|\b\d+ ?(?:s|h|hours?|minutes?) "
        r"behind\b|\breplication (?:is |has )?(?:stopped|broken|failing|lagging|behind)|\bis "
        r"\d+ ?\w* behind\b",
    ),
    (
        "dns",
        "DNS trouble",
        None,
        r"\bdns\b[^.\n]{0,30}\b(?:fail\w*|errors?|not|timeout)|\b(?:not resolving|nxdomain|"
        r"servfail)\b",
    ),
    (
        "memory_pressure",
        "memory pressure",
        None,
        r"\b(?:oom|out of memory|oomkilled|oom-killed|memory leak|evicting|high memory)\b",
    ),
    (
        "unhealthy_fleet",
        "machines unhealthy",
        None,
        rf"\b{_OPS_NOUN} (?:are |is )?(?:offline|down|not ?ready|crash ?looping|restarting|"
        rf"unhealthy|failing|disconnected)|\bhealth ?checks? (?:are |is )?failing|\bcrash ?loop"
        rf"|\bfail(?:ed)? ?over\b",
    ),
    # -- defects ----------------------------------------------------------------------------
    (
        "http_4xx",
        "HTTP 4xx status",
        None,
        r"\b(?:returns?|returning|got|gets|getting|throws?|gives?|with|http|status|answers?) "
        r"(?:an? |code )?4\d\d\b|\b4\d\d (?:error|not found|forbidden|unauthori[sz]ed|bad request|"
        r"page|response)\b|\bto (?:a |the )?404\b|\ba 404\b",
    ),
    (
        "stack_trace",
        "error or stack trace",
        None,
        r"traceback \(most recent call last\)|\n\s+at [\w$.<>]+\([\w$.]+:\d+\)|\b[a-z]+"
        r"(?:error|exception)\b(?=:| in | at | when |\s*$)|\bsegmentation fault\b|\bsegfault\b|"
        r"\bcore dumped\b|\bpanic:|\bstack ?trace\b|\buncaught\b|\bunhandled (?:exception|"
        r"rejection|error)\b|\bcannot read propert",
    ),
    (
        "expected_but",
        "expected one thing, got another",
        None,
        r"\bexpected\b.{0,120}?\b(?:but|instead|got|actual)\b|\bshould (?:be|show|return|have|"
        r"display|work)\b.{0,80}?\bbut\b|\binstead of (?!having|needing|manually|polling)"
        r"(?:the |a |an )?[\w'{]",
    ),
    (
        "regression",
        "worked before",
        None,
        r"\bregression\b|\bused to (?:work|be)\b|\bworked (?:fine |correctly |before |in )|"
        r"\bno longer\b|\bstopped (?:working|\w+ing)\b|\bsince (?:upgrading|updating|the (?:update|"
        r"upgrade|latest (?:release|version))|v?\d+\.\d+)|\bafter (?:upgrading|updating|the "
        r"(?:update|upgrade))|\bbroke (?:in|after|since)\b|\bbroken (?:since|after|in v?\d)",
    ),
    (
        "not_working",
        "something does not work",
        None,
        r"\b(?:doesn'?t|does not|don'?t|do not|won'?t|will not|isn'?t|is not|aren'?t|are not|"
        r"never) (?:work|load|save|open|show|appear|display|respond|update|sync|start|render|apply"
        r"|send|arrive|match|persist|stick|get saved|being saved)\w*\b|\bnot (?:working|loading|"
        r"saving|showing|responding|updating|syncing|rendering|invalidated)\b|\bhas no effect\b|"
        r"\bdoes nothing\b|\bnothing happens\b",
    ),
    (
        "state_lost",
        "setting or state lost",
        None,
        r"\b(?:is |are |gets |get |got |was |were )(?:forgotten|lost|reset|cleared|ignored)\b|"
        r"\b(?:resets?|reverts?) (?:to|back)\b|\b(?:disappear|vanish)\w*\b|\blogs? (?:me|us|"
        r"users) out\b",
    ),
    (
        "truncated",
        "output cut off",
        None,
        r"\bcuts? off\b|\btruncat\w+|\b(?:is |are )?missing (?:the )?(?:last|first)\b|\bstops? "
        r"(?:\w+ing )?(?:at|after) (?:exactly )?\d|\bonly (?:shows|renders|prints|exports) (?:the"
        r" )?(?:first|half)\b",
    ),
    (
        "duplicated",
        "done twice",
        None,
        r"\b(?:twice|two times|duplicated|double[ -]?(?:charged|sent|counted|posted|applied)|"
        r"applied \w+ times)\b",
    ),
    (
        "wrong_output",
        "wrong value shown",
        None,
        rf"\b{_UI}s?\b[^.\n]{{0,30}}\b(?:says|reads|shows|displays|is labell?ed|spells?)\b|\b"
        r"(?:wrong|incorrect|negative|stale|blank|empty) (?:values?|totals?|results?|dates?|times?|"
        r"names?|address|link|page|timezone|language)\b|\boff by (?:one|\d)\b",
    ),
    (
        "crash",
        "crash or hang",
        "blocking",
        r"\b(?:crash(?:es|ed|ing)?|hangs?|freez(?:es|ing)|frozen|segfault|fails to start|won'?t "
        r"(?:start|open|load)|blocker)\b",
    ),
    (
        "cannot_use",
        "users cannot use it",
        "blocking",
        r"\b(?:can'?t|cannot|unable to|could not|couldn'?t) (?:log ?in|sign ?in|use|start|open|"
        r"access|save|check ?out|pay|upload|download)\b",
    ),
    (
        "unusable",
        "unusable",
        "unusable",
        r"\b(?:unusable|completely (?:broken|down|unusable)|nothing works|totally broken|hard "
        r"down|(?:full|complete|total|major|global|widespread) outage)\b",
    ),
    (
        "workaround",
        "a workaround exists",
        "workaround",
        r"\b(?:work ?around|workaround|temporary fix|can still|instead you can|restart(?:ing)? "
        r"(?:fixes|solves|resolves)|reload(?:ing)? (?:fixes|solves|resolves))\b",
    ),
    # -- security, privacy, data --------------------------------------------------------------
    ("cve", "CVE identifier", "security", r"\bcve-\d{4}-\d{4,7}\b"),
    (
        "security",
        "security weakness",
        "security",
        r"\b(?:vulnerab\w+|security (?:issue|hole|flaw|bug|problem|advisory|report|fix)|"
        r"exploit\w*|xss|csrf|ssrf|(?:sql|command|header|template) injection|remote code "
        r"execution|rce|privilege escalation|auth\w* bypass|bypass(?:es|ed)? (?:the )?(?:auth\w*|"
        r"login|2fa|mfa|permissions?)|account enumeration|open redirect|session fixation|"
        r"in plain ?text|(?:api keys?|secrets?|tokens?|passwords?|credentials) (?:are |is |were |"
        r"was )?(?:leaked|exposed)|unauthori[sz]ed access)\b",
    ),
    (
        "privacy",
        "privacy breach",
        "privacy",
        r"\b(?:can|could) (?:see|view|access|download|read|edit|open)\b[^.\n]{0,40}?\b(?:other|"
        r"another|someone else'?s?|different) (?:users?|customers?|tenants?|accounts?|people|"
        r"person|organi[sz]ations?|teams?|companies)\b|\b(?:other|another) (?:users?|customers?"
        r"|tenants?)'?s? (?:data|invoices?|orders?|files|attachments|messages|emails|profiles?|"
        r"details|records|documents|accounts)\b|\b(?:pii|personal data|personally identifiable|"
        r"data (?:breach|leak|exposure)|privacy (?:breach|leak|issue))\b",
    ),
    (
        "data_loss",
        "data lost or corrupted",
        "data_loss",
        r"\bdata loss\b|\b(?:lost|lose|loses|losing|wipes?|wiped|erases?|erased|destroy\w*|"
        r"corrupt\w*|overwrit\w+) (?:all |the |their |our |my |every |the whole )?(?:whole )?"
        r"(?:data|files?|work|changes|records|messages|documents?|database|backups?|history|"
        r"drafts?|entries|rows|uploads?|first)\b|\bsilently overwrites?\b|\bunrecoverabl\w+|"
        r"\birrecoverabl\w+|\bpermanently (?:deleted|lost)\b",
    ),
    (
        "money",
        "money involved",
        "money",
        r"\b(?:billing|billed|charged|charges|overcharg\w+|payments?|invoices?|invoiced|refunds?"
        r"|checkout|card transactions?|discount code|coupon)\b",
    ),
    (
        "cosmetic",
        "cosmetic",
        "cosmetic",
        r"\b(?:typos?|misspel\w*|spelling|wording|capitali[sz]ation|misaligned|alignment|"
        r"overlap\w*|blurry|pixelated|padding|margin|font|icons?|tooltips?|footer|cosmetic|"
        r"z-index|copyright)\b",
    ),
    # -- asks ---------------------------------------------------------------------------------
    (
        "request_tag",
        "marked as a request",
        None,
        r"^\W{0,2}\[?(?:feature(?: request)?|feat|enhancement|request|idea|proposal|rfc|"
        r"suggestion)\]?\s*[:\-\]]",
    ),
    (
        "polite_ask",
        "asks for something",
        None,
        r"\b(?:please|pls|kindly) (?:add|support|allow|consider|implement|provide|make|expose|"
        r"include|enable|let|give|offer)\b|\bwould (?:be )?(?:really )?(?:great|nice|cool|"
        r"awesome|useful|helpful|lovely)\b|\b(?:i|we)(?:'d| would) (?:really )?(?:love|like|"
        r"prefer|appreciate)\b|\bwould love\b|\bit would be\b|\b(?:can|could|would) you (?:please"
        r" )?(?:add|support|make|allow|provide|consider|implement|give)\b|\bcan we (?:have|get|"
        r"add)\b|\bplease$",
    ),
    (
        "capability",
        "wants a new capability",
        None,
        r"\b(?:option|ability|possibility|way|setting|flag|toggle) to\b|\blet (?:me|us|users|"
        r"admins|people|customers)\b|\b(?:should|to) be able to\b|\bsupport for\b|\ballow "
        r"(?:users|admins|us|me|people|customers)\b|\bwe need (?:an?|the) \w+",
    ),
    (
        "complaint_ask",
        "complaint that asks for a change",
        None,
        r"\bwhy (?:can'?t|cannot|doesn'?t|don'?t|isn'?t|is there no|are there no)\b|"
        r"\b(?:annoying|tedious|cumbersome|painful|frustrating)\b|\bthere is no (?:way|option)\b|"
        r"\b(?:keep|keeps|kept) asking for\b",
    ),
)


@dataclass(frozen=True)
class Signal:
    """One compiled row: a named feature, what it means, and its impact role, if any.

    `parts` are what is searched: the whole pattern with the literals it needs, or, when the
    pattern as a whole needs none, each top-level alternative with its own (`literals`)."""

    name: str
    description: str
    impact: Impact | None
    pattern: re.Pattern[str]
    parts: tuple[tuple[int, re.Pattern[str], Needs], ...] = ()


@dataclass(frozen=True)
class Hit:
    """A signal that fired, with the phrase it matched as the reporter wrote it."""

    signal: Signal
    phrase: str


_FLAGS = re.ASCII | re.MULTILINE
_PART_NEEDS: list[tuple[int, frozenset[str]]] = []


def _compile(name: str, description: str, impact: Impact | None, source: str) -> Signal:
    pattern = re.compile(source, _FLAGS)
    need = needs(pattern)
    sources = [source] if need is not None else alternatives(source)
    parts = []
    for part in sources:
        compiled = pattern if part == source else re.compile(part, _FLAGS)
        part_needs = need if part == source else needs(compiled)
        key = len(_PART_NEEDS)
        if part_needs is not None:
            _PART_NEEDS.append((key, part_needs))
        else:
            _PART_NEEDS.append((key, frozenset()))
        parts.append((key, compiled, part_needs))
    return Signal(name, description, impact, pattern, tuple(parts))


SIGNALS: tuple[Signal, ...] = tuple(_compile(*row) for row in _ROWS)
BY_NAME: dict[str, Signal] = {s.name: s for s in SIGNALS}
_SCANNER = Scanner([(k, n) for k, n in _PART_NEEDS if n])

# Alert names are CamelCase words with a part from the vocabulary of alerting rules:
# HighErrorRate, KubePodCrashLooping, DiskSpaceLow, TargetDown, PostgresReplicationLag.
_CAMEL = re.compile(r"\b[A-Z][a-z0-9]*(?:[A-Z]+[a-z0-9]*){1,6}\b", re.ASCII)
_HUMP = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*", re.ASCII)
_ALERT_PARTS_WORDS = (
    "high low down up error errors rate latency usage memory cpu disk space lag crash looping "
    "full expiring expired not ready unavailable failing failed failure restarts throttling "
    "saturation pressure slow unhealthy unreachable degraded backlog stuck offline"
)
_ALERT_PARTS = frozenset(_ALERT_PARTS_WORDS.split())
_CODE_ENDINGS = ("error", "exception", "warning", "service", "controller", "handler")
ALERT_NAME = Signal("alert_name", "alert rule name", None, _CAMEL)
BY_NAME[ALERT_NAME.name] = ALERT_NAME


def find(ticket: Ticket, original: str) -> list[Hit]:
    """Every signal that fires, once each, with its phrase quoted from the original text.

    `original` is the ticket's full text as written (same offsets as `ticket.lowered`, or
    the lowered text itself when Unicode case mapping changed its length).
    """
    hits = []
    text = ticket.lowered
    possible = _SCANNER.keys(text)
    for signal in SIGNALS:
        best = None
        for key, pattern, need in signal.parts:
            if need is not None and key not in possible:
                continue
            m = pattern.search(text)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        if best is not None:
            hits.append(Hit(signal, _quote(original, best.start(), best.end())))
    alert = _alert_name(ticket.title)
    if alert:
        hits.append(Hit(ALERT_NAME, alert))
    return hits


def _alert_name(title: str) -> str | None:
    """The first CamelCase word of the title that reads like an alerting rule's name."""
    for m in _CAMEL.finditer(title):
        word = m.group()
        lowered = word.lower()
        if lowered.endswith(_CODE_ENDINGS):
            continue
        parts = {p.lower() for p in _HUMP.findall(word)}
        if parts & _ALERT_PARTS:
            return word
    return None


def _quote(original: str, start: int, end: int) -> str:
    """The matched phrase as written, without leading or trailing punctuation."""
    return squash(original[start:end]).strip(" \t[](){}:;,.-*#>`'\"")
