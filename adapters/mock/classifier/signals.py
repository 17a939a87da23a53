"""The signal table: weighted phrases and patterns per class, kept as data.

Each row is (kind, weight, where, pattern). `where` is "start" (anchored at the start of the
title, after an optional "[tag]" or "component:" prefix), or "any" (title or body; a hit in
the title counts more, see `scoring.TITLE_BOOST`). Weights are in three rough tiers: 3 for a
phrase that on its own says the class (status-page wording, "it would be nice", a stack
trace), 2 for strong but shared evidence, 1 or less for hints that only add up.

Rules are general engineering language: no product, company or repository names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapters.mock.classifier.prefilter import Needs, analyse
from adapters.mock.classifier.schema import Kind

_I, _B, _F = "incident", "bug", "feature"
# Patterns are lower-case and run on lower-cased text (much faster than IGNORECASE).
FLAGS = re.ASCII

# Optional "[tag] " or "component: " prefix before the first word of a title.
_LEAD = r"^\W{0,3}(?:\[[^\]\n]{1,40}\]\s{0,4}|[\w./-]{1,24}:\s{1,4})?\W{0,2}"


@dataclass(frozen=True)
class Signal:
    """One compiled row of a signal table."""

    kind: Kind
    weight: float
    where: str
    pattern: re.Pattern[str]
    negatable: bool
    needs: Needs
    width: int | None


def compile_table(rows: tuple[tuple[Kind, float, str, str], ...]) -> tuple[Signal, ...]:
    """Compile once at import, so classifying thousands of tickets stays instant."""
    compiled = []
    for kind, weight, where, source in rows:
        anchored = _LEAD + f"(?P<core>{source})" if where == "start" else source
        pattern = re.compile(anchored, FLAGS)
        needs, width = analyse(pattern)
        compiled.append(
            Signal(
                kind=kind,
                weight=weight,
                where=where,
                pattern=pattern,
                negatable=where == "any" and kind != _I,
                needs=needs,
                width=width,
            )
        )
    return tuple(compiled)


INCIDENT_ROWS: tuple[tuple[Kind, float, str, str], ...] = (
    # Status-page voice: investigating, identified, fix deployed, monitoring, resolved.
    (
        _I,
        3.0,
        "any",
        r"\b(?:we are|we're|we have been|we've been|engineers are|teams? (?:is|are))"
        r" (?:currently |actively |still |now |continuing to )?(?:investigating|looking into)",
    ),
    (
        _I,
        3.0,
        "any",
        r"\b(?:continu(?:e|es|ing) to|are still|will continue to) "
        r"(?:investigate|investigating|monitor|monitoring|work on (?:a fix|mitigation|recovery))",
    ),
    (
        _I,
        3.0,
        "any",
        r"\b(?:investigating|looking into) (?:reports|an issue|issues|elevated|"
        r"increased|errors|degraded|the cause|this issue|the issue)",
    ),
    (
        _I,
        3.0,
        "any",
        r"\b(?:the )?(?:issue|cause|problem) has been (?:identified|mitigated|resolved)"
        r"|\bwe (?:have|'ve) (?:identified|mitigated|resolved|rolled back)",
    ),
    (
        _I,
        3.0,
        "any",
        r"\bfix (?:is being|has been|was|is) (?:implemented|deployed|rolled out|applied)",
    ),
    (
        _I,
        3.0,
        "any",
        r"\b(?:we are|we're|are|is being|will be) (?:closely |actively )?monitoring"
        r"|\bmonitoring (?:the )?(?:results|recovery|the situation|closely|for further)",
    ),
    (
        _I,
        3.0,
        "any",
        r"\b(?:provide|post|share) (?:an?|more|further|additional) updates?"
        r"|\bnext update\b|\bstatus ?page\b",
    ),
    (
        _I,
        3.0,
        "any",
        r"\b(?:operating|functioning|performing) (?:normally|as expected)"
        r"|\bfully (?:operational|recovered|restored)|\b(?:back|returned) to normal",
    ),
    (
        _I,
        2.5,
        "any",
        r"\b(?:service|services|access|functionality|operations|systems?|api|site)"
        r" (?:has|have|is|are) (?:now )?(?:been )?(?:restored|recovered|recovering)",
    ),
    # Impact language: outage, degradation, error-rate and latency figures, scope of users.
    (
        _I,
        3.0,
        "any",
        r"\b(?:partial|major|full|complete|total|global|widespread|regional|"
        r"brief|extended|significant) (?:outage|disruption|service disruption|unavailability)",
    ),
    (_I, 2.5, "any", r"\boutages?\b|\bdowntime\b"),
    (
        _I,
        3.0,
        "any",
        r"\b(?:elevated|increased|high|higher|spike in|spiking|surge in|rising)"
        r" (?:rates? of )?(?:error|errors|error rates?|latency|latencies|failure rates?|failures|"
        r"5xx|timeouts|response times)",
    ),
    (
        _I,
        3.0,
        "any",
        r"\bdegraded (?:performance|service|availability|state|experience|"
        r"functionality|capacity)|\b(?:service|performance) degradation",
    ),
    (_I, 3.0, "any", r"\bservice (?:disruption|interruption|incident|event|issues?|impact)"),
    (
        _I,
        3.0,
        "any",
        r"\b(?:subset|portion|percentage|number|fraction|some) of (?:our )?"
        r"(?:customers|users|requests|traffic|accounts|api calls|tenants|repositories|projects|"
        r"instances|servers|hosts|nodes|machines|sites)",
    ),
    (
        _I,
        3.0,
        "any",
        r"\b(?:customers|users|clients|tenants) (?:may|might|would|could) (?:have )?"
        r"(?:experienced|experience|seen|see|encountered|encounter|received|notice|noticed)",
    ),
    (_I, 2.0, "any", r"\bmay have (?:experienced|encountered|received|seen|been unable)"),
    (
        _I,
        2.5,
        "any",
        r"\b(?:customers|users|clients) (?:are|were) (?:unable|experiencing|seeing|"
        r"reporting|receiving|getting|affected|impacted)",
    ),
    (_I, 3.0, "any", r"\b(?:summary of|customer|user|business) impact|\bimpact summary"),
    (
        _I,
        2.0,
        "any",
        r"\b(?:impacted|affected) (?:customers|users|services|regions|tenants)"
        r"|\b(?:customers|users|services|regions) (?:impacted|affected)",
    ),
    (
        _I,
        3.0,
        "any",
        r"\bpost-?mortem|\bincident (?:report|review|summary|response|commander)"
        r"|\bsev ?-?[0-3]\b|\broot cause analysis|\brca\b",
    ),
    (_I, 2.0, "any", r"\bincidents?\b"),
    (_I, 1.5, "any", r"\broot cause\b|\bcontributing factors?\b|\bremediation\b"),
    (
        _I,
        3.0,
        "any",
        r"\d{1,2}:\d{2}(?::\d{2})?\s{0,4}(?:am |pm )?(?:utc|gmt|pst|pdt|est|edt|cet|cest|"
        r"ist|jst)\b",
    ),
    (
        _I,
        2.0,
        "any",
        r"\b(?:between|from|until|till|around|approximately|starting at)\s{1,4}"
        r"\d{1,2}:\d{2}",
    ),
    (
        _I,
        2.0,
        "any",
        r"\bfor (?:about |approximately |roughly |nearly |over )?(?:\d+|several|a few)"
        r" (?:minutes|hours)\b",
    ),
    # Something that was up is down, now, for a whole service or for everyone.
    (
        _I,
        3.0,
        "any",
        r"\b(?:site|service|services|api|website|platform|app|system|server|servers|"
        r"database|db|cluster|endpoint|gateway|backend|prod|production) (?:is|was|are|were|went|"
        r"goes|has gone|is completely) (?:down|offline|unreachable|unresponsive|unavailable|"
        r"inaccessible|hard down)",
    ),
    (
        _I,
        2.5,
        "any",
        r"\b(?:went|go|goes|going|is|are|was|were) (?:down|offline)\b"
        r"|\bbrought down\b|\btook down\b|\btaking down\b|\bknocked (?:out|offline)",
    ),
    (
        _I,
        3.0,
        "any",
        r"\b(?:nobody|no one|no-one|none of (?:our|the) (?:users|customers))"
        r" (?:can|could|is able|was able|is getting|gets)",
    ),
    (
        _I,
        2.0,
        "any",
        r"\b(?:all|every|most|many) (?:of (?:our|the) )?(?:users|customers|requests|"
        r"regions|services|tenants|deliveries|logins)\b|\beveryone\b|\bfor everybody\b",
    ),
    (
        _I,
        3.0,
        "any",
        r"\bsince (?:the|this morning'?s?|today'?s?|last night'?s?|yesterday'?s?|"
        r"our|a) (?:\w{1,40} )?(?:deploy|deployment|release|rollout|roll-out|push|migration|"
        r"config change|failover)",
    ),
    (
        _I,
        2.0,
        "any",
        r"\bin (?:production|prod)\b|\bproduction (?:traffic|environment|systems?|"
        r"servers?|database|cluster|outage|alerts?)|\blive (?:site|traffic|environment)",
    ),
    (
        _I,
        2.5,
        "any",
        r"\b(?:got |were |was |been )?paged\b|\bpager\b|\bon-?call\b"
        r"|\bpaging (?:the|on-?call|everyone|engineers?)|\balerts? (?:fired|firing|triggered)",
    ),
    (
        _I,
        2.0,
        "any",
        r"\b(?:roll(?:ed|ing)? ?back|reverted) (?:the |a |our )?(?:deploy|"
        r"deployment|change|release|config|update)|\brollback\b",
    ),
    (_I, 2.0, "any", r"\bfail(?:ed|ing)? ?over\b|\bfailover\b|\bmitigat(?:e|ed|es|ion|ing)\b"),
    (
        _I,
        1.0,
        "any",
        r"\b(?:data ?cent(?:er|re)s?|availability zones?|regions?|load balancers?|"
        r"dns|cdn|replication|replicas?|capacity|upstream provider|network partition|"
        r"fleet|hosts)\b",
    ),
    (_I, 1.0, "any", r"\b(?:recovered|recovering|recovery|restored|resolved)\b"),
    (
        _I,
        2.5,
        "any",
        r"\b(?:5\d\d|50[0-4]) (?:errors?|responses?|status)|\b5xx\b|\bhttp 5\d\d\b"
        r"|\b(?:internal server|bad gateway|gateway timeout|service unavailable)",
    ),
    (_I, 1.5, "any", r"\berror rates?\b|\blatenc(?:y|ies)\b|\b(?:p50|p90|p95|p99)\b|\btimeouts?\b"),
    (
        _I,
        3.0,
        "any",
        r"\d+(?:\.\d+)?\s?%\s{1,4}(?:of\s{1,4})?(?:requests|traffic|users|customers|calls|"
        r"jobs|errors|error rate|of api)",
    ),
    (
        _I,
        2.0,
        "any",
        r"\b(?:deliveries|delivery|notifications?|webhooks?|emails?|payments?|jobs|"
        r"builds|syncs?|integrations?) (?:are |is |were |was )?(?:delayed|queued|backed up|"
        r"failing for|not being (?:delivered|sent|processed))|\bdelayed (?:deliveries|processing|"
        r"notifications|jobs)|\bbacklog of\b",
    ),
    (_I, 1.5, "any", r"\bunavailable\b|\bunavailability\b|\binaccessible\b|\bunreachable\b"),
    (_I, 2.0, "any", r"\bconnectivity (?:issues?|problems?|loss|errors)|\bpacket loss\b"),
    (
        _I,
        3.0,
        "any",
        r"\b(?:engineers|engineering teams?|our teams?|the team|sre|operators)"
        r" (?:are|is|have|has|were|was) (?:investigating|engaged|working|aware|deployed|applied|"
        r"identified|monitoring|rolling)",
    ),
    (_I, 2.0, "any", r"\breports? of\b|\bwe(?:'re| are) aware\b|\bwe apologi[sz]e\b"),
    (
        _I,
        2.5,
        "any",
        r"\b(?:increase|spike|surge|drop|dip) in (?:errors|traffic|requests|latency|"
        r"load|error rates?|success rates?|availability)",
    ),
    (
        _I,
        2.0,
        "any",
        r"\b(?:high|heavy|unusual|unexpected|excessive) (?:load|traffic)\b"
        r"|\bcascad(?:e|ed|ing)\b|\boverload(?:ed)?\b|\bthundering herd\b",
    ),
    (_I, 1.0, "any", r"\bdeploy(?:ed|ment|ments|s)?\b|\bconfiguration change\b"),
    (
        _I,
        3.0,
        "any",
        r"(?:^|[.!?]\s{1,4})(?:currently |still |now )?investigating\b|\bwe(?:'re| are)"
        r" (?:currently |actively )?working (?:to (?:resolve|restore|mitigate)|on (?:a fix|"
        r"resolving|restoring|mitigat))|\bwe(?:'ll| will) (?:update|provide|post|continue)",
    ),
    (
        _I,
        3.0,
        "any",
        r"\bapologi[sz]e for (?:the|any) (?:inconvenience|disruption|impact|trouble)"
        r"|\ball (?:systems|services) (?:are |were )?(?:operational|back|operating|go)",
    ),
    (
        _I,
        2.5,
        "any",
        r"\b(?:you|users|customers) (?:may|might|will) (?:experience|see|notice|"
        r"encounter)",
    ),
    (
        _I,
        2.5,
        "any",
        r"\b(?:caus(?:ed|ing|es)|le(?:a)?d to|lead(?:s|ing)? to|result(?:ed|ing)? in|"
        r"trigger(?:ed|ing)) (?:a |an |the )?(?:\w{1,40} )?(?:outage|downtime|loss of|failures?|"
        r"errors|disruption|collapse|cascad\w{1,40}|unavailability|degradation|increased|elevated)",
    ),
    (
        _I,
        2.5,
        "any",
        r"\b(?:bad|faulty|erroneous|incorrect|automated) (?:config|configuration)"
        r"(?: change| push| deploy)?\b|\bconfig(?:uration)? (?:change|push|rollout)\b",
    ),
    (
        _I,
        3.0,
        "any",
        r"\bddos\b|\bdenial of service|\bpower (?:failure|outage|loss)|\bloss of "
        r"power|\bhardware failure|\bfiber cut|\bout of disk|\bdisk space\b",
    ),
    (
        _I,
        2.5,
        "any",
        r"\b(?:became|become|becomes|went|was|were|are|is) (?:temporarily |briefly |"
        r"partially |completely )?(?:unavailable|unreachable|unresponsive|inaccessible)",
    ),
    (
        _I,
        2.0,
        "any",
        r"\b\d+[- ](?:minute|hour)s?\b(?: window| period| outage)?|\bqueue backlog"
        r"|\bbacklog\b|\bdelayed\b",
    ),
    (
        _I,
        1.0,
        "any",
        r"\b(?:servers?|databases?|network|firewall|bgp|datacenter|traffic|"
        r"services?)\b",
    ),
    (
        _I,
        2.5,
        "any",
        r"\bcert(?:ificate)?s? (?:has |have )?(?:expired|expiry|expiration)|\bexpired "
        r"(?:tls |ssl )?(?:certificate|cert|credentials|tokens?|keys?)\b",
    ),
    (
        _I,
        3.0,
        "any",
        r"\bfor (?:all|every|most|nearly all|almost all) (?:of (?:our|the) )?(?:users|"
        r"customers|clients|tenants|accounts|visitors|requests|queries|traffic)\b",
    ),
    (
        _I,
        1.5,
        "any",
        r"\b(?:login|logins|log-?in|sign-?in|sign-?ins|authentication|sso) (?:is |are )?"
        r"(?:failing|failures?|down|broken|errors?)\b",
    ),
    # auth or payment paths answering 5xx: users locked out now (DESIGN: auth failing)
    (
        _I,
        2.0,
        "any",
        r"\b(?:login|log-?in|sign-?in|auth\w*|sso|checkout|payments?) (?:endpoint |page |api )?"
        r"(?:returns?|returning|responds? with|throws?|gives?) (?:an? |http |status )?5\d\d\b",
    ),
)

BUG_ROWS: tuple[tuple[Kind, float, str, str], ...] = (
    # a call that answers with an HTTP error status: a concrete, observable deviation
    (
        _B,
        2.0,
        "any",
        r"\b(?:returns?|returned|returning|responds? with|throws?|gives?|getting|got) "
        r"(?:an? |http |status )?[45]\d\d\b",
    ),
    (_B, 4.0, "start", r"\[?(?:bug|defect|regression|crash)\b[\]:\s-]"),
    (
        _B,
        2.5,
        "start",
        r"(?:fix(?:es|ed)?|crash(?:es|ed)?|error|exception|fail(?:s|ed|ure|ing)?|"
        r"cannot|can'?t|can not|unable|broken|wrong|incorrect|missing|issue with|problem with|"
        r"unexpected|bad|invalid)\b",
    ),
    # Stack traces and runtime errors.
    (_B, 3.0, "any", r"traceback \(most recent call last\)|\bfile \"[^\"\n]+\", line \d+"),
    (
        _B,
        3.0,
        "any",
        r"(?:\.java:|\.kt:|\.cs:|\.js:|\.ts:|\.py:|\.go:|\.rs:|\.cpp:|\.c:|\.h:|\.rb:|"
        r"\.php:|\.swift:)\d+\b",
    ),
    (
        _B,
        2.0,
        "any",
        r"\b\w{0,40}(?:exception|error)\b(?::|\s{1,4}at\b)|\b(?:uncaught|unhandled) "
        r"(?:exception|error|promise rejection)|\bexception (?:thrown|occurred|was thrown)",
    ),
    (
        _B,
        3.0,
        "any",
        r"\bsegmentation fault|\bsegfault|\bcore dumped|\bpanic(?:ked)?:|\bassertion "
        r"(?:failed|error)|\bstack overflow\b|\babort(?:ed)? \(core",
    ),
    (
        _B,
        3.0,
        "any",
        r"\bnull ?pointer|\bnullreferenceexception|cannot read propert(?:y|ies) of"
        r"|\bundefined is not\b|\bis not a function\b|\bis not defined\b|\bnonetype\b|\bnull"
        r" reference|\bindex out of (?:range|bounds)|\bkeyerror\b|\battributeerror\b",
    ),
    (_B, 2.5, "any", r"\bcrash(?:es|ed|ing)?\b|\bcrashes\b"),
    (_B, 1.5, "any", r"\b(?:hangs?|hung|freezes?|froze|frozen|stuck)\b"),
    # Something specific that does not do what it should.
    (
        _B,
        2.5,
        "any",
        r"\b(?:doesn'?t|does not|don'?t|do not|didn'?t|did not|won'?t|will not|isn'?t|"
        r"is not|aren'?t|are not|wasn'?t|was not|can'?t|cannot|could not|couldn'?t|unable to|fails?"
        r" to|failed to|failing to|no longer) (?:properly |correctly |be )?(?:work|load|start|open|"
        r"show|display|render|save|build|compile|run|install|connect|find|update|respond|appear|"
        r"close|launch|import|export|detect|recogni[sz]e|trigger|fire|apply|return|parse|resolve|"
        r"execute|initiali[sz]e|sync|reload|refresh|persist|download|upload|match|handle|read|"
        r"write|create|delete|remove|exit|stop|play|print)\w{0,40}",
    ),
    (
        _B,
        3.0,
        "any",
        r"\bnot working\b|\bstopped working\b|\bno longer works?\b|\bdoesn'?t work"
        r" anymore\b|\bis broken\b|\bare broken\b|\bbroke\b",
    ),
    (_B, 1.5, "any", r"\bbroken\b"),
    (_B, 1.5, "any", r"\b(?:error|errors|exception|exceptions)\b"),
    (_B, 1.0, "any", r"\bfail(?:s|ed|ure|ures|ing)?\b"),
    (_B, 2.0, "any", r"\bbug\b|\bbuggy\b"),
    (
        _B,
        1.5,
        "any",
        r"\b(?:wrong|incorrect(?:ly)?|invalid|unexpected(?:ly)?|inconsistent|"
        r"mismatch(?:ed)?|erroneous|bogus|garbled|corrupt(?:s|ed|ion)?)\b",
    ),
    (_B, 2.5, "any", r"\bexpected\b[^.\n]{0,80}?\b(?:but|instead|got|actual(?:ly)?|however)\b"),
    (_B, 1.0, "any", r"\binstead of\b|\bshould(?:n'?t| not)\b"),
    # Versions and regressions.
    (_B, 3.0, "any", r"\bregress(?:ion|ed|ions)\b"),
    (
        _B,
        2.5,
        "any",
        r"\b(?:since|after) (?:upgrading|updating|the (?:latest |last |recent )?"
        r"(?:update|upgrade)|(?:upgrading|updating|moving|migrating) to|version|v?\d+\.\d+)",
    ),
    (
        _B,
        3.0,
        "any",
        r"\b(?:worked|working|works) (?:fine |correctly |properly |well )?(?:in|on|"
        r"with|before|until) (?:version |v|release )?\d|\bused to work\b"
        r"|\bpreviously work(?:ed|s)\b"
        r"|\bwas working (?:fine |correctly )?(?:before|until|yesterday)",
    ),
    (_B, 0.5, "any", r"\d\.\d+\.\d"),
    # The reporter's own steps and observations.
    (
        _B,
        1.5,
        "any",
        r"\b(?:when i|whenever i|if i|after i|once i) (?:try|tried|click|clicked|run|ran|open|"
        r"opened|use|used|press|type|select|call|start|save|load|build|install|enter|launch|"
        r"execute|switch|change|add|close|navigate|go|do)\b",
    ),
    (
        _B,
        2.5,
        "any",
        r"\bi (?:get|got|am getting|'m getting|keep getting|see|saw|receive|received|"
        r"encounter(?:ed)?|ran into|hit|noticed|observe[ds]?) (?:an? |the |this |following |same )*"
        r"(?:error|exception|crash|warning|blank|empty|nothing|issue|problem|bug)",
    ),
    (
        _B,
        1.5,
        "any",
        r"\breproduc(?:e|ed|es|ible|ing|tion)\b|\brepro\b|\bmcve\b|\bminimal "
        r"(?:example|repro)",
    ),
    (
        _B,
        2.0,
        "any",
        r"\bflak(?:y|iness)\b|\bintermittent(?:ly)? fail\w{0,40}|\b(?:ci|test|tests|build)"
        r" (?:is |are )?fail(?:s|ed|ing|ure|ures)\b|\bfailing tests?\b|\btest failures?\b",
    ),
    (
        _B,
        2.0,
        "any",
        r"\b(?:memory leak|leaks? memory|infinite loop|race condition|deadlock|"
        r"off-by-one|out of memory|oom|overflows?|underflow|data race)\b",
    ),
    (
        _B,
        2.0,
        "any",
        r"\b(?:typo|misspel\w{0,40}|misaligned|overlap(?:s|ping)?|cut off|truncated|"
        r"glitch\w{0,40}|flicker\w{0,40}|duplicated?)\b",
    ),
    (
        _B,
        2.0,
        "any",
        r"\bnot (?:being )?(?:shown|displayed|visible|rendered|saved|updated|found|"
        r"recogni[sz]ed|respected|honou?red|applied|triggered|called|loaded|working|correct|"
        r"cleared|released|closed|reset|removed|deleted|detected|parsed|returned)\b",
    ),
    (
        _B,
        2.0,
        "any",
        r"\b(?:blank|empty|white|black) (?:page|screen|window|response|result|output|"
        r"list|file|string|value)",
    ),
    (
        _B,
        1.5,
        "any",
        r"\bhappens? (?:every time|always|sometimes|randomly|when|again|only)|\bevery"
        r" time (?:i|we|you)\b|\bhow often\b",
    ),
    (_B, 1.0, "any", r"\b(?:fix|fixes|fixed|fixing|hotfix|patch)\b"),
    (_B, 1.0, "any", r"\b(?:missing|ignored|ignores|lost|disappear\w{0,40}|vanish\w{0,40})\b"),
    (_B, 1.0, "any", r"\b(?:warning|warnings|deprecationwarning)\b|\bscreenshots?\b|\blogs?\b"),
    (
        _B,
        2.0,
        "any",
        r"\bthis is (?:a|clearly a|definitely a) (?:bug|regression|defect)|\bnot a "
        r"feature request\b|\bisn'?t a feature\b",
    ),
    (_B, 1.5, "any", r"\bworkaround\b|\bwork around\b"),
    (
        _B,
        1.5,
        "any",
        r"\b(?:skips?|skipped|drops?|dropped|loses|swallow(?:s|ed)|mangl\w{1,40}|garbl\w{1,40}|"
        r"scrambl\w{1,40}|overwrit\w{1,40}|off by one)\b",
    ),
    (
        _B,
        2.0,
        "any",
        r"\bsilently\b|\breturns? (?:no|nothing|null|none|empty|an empty|the wrong|wrong|"
        r"incorrect|undefined|nan|zero|stale|duplicate)\b",
    ),
    (
        _B,
        2.5,
        "any",
        r"\bstopped (?:\w{1,40}ing)\b|\b(?:worked|was working|used to work) (?:fine |"
        r"correctly |properly )?(?:until|before) (?:the |last |yesterday|today|this|a |our |my )",
    ),
    (
        _B,
        2.5,
        "any",
        r"\bsecurity (?:vulnerability|hole|flaw|issue|bug|problem)|\bvulnerab\w{1,40}|"
        r"\bxss\b|\b(?:sql|command|header) injection|\bunauthori[sz]ed (?:access|users?)\b",
    ),
)

FEATURE_ROWS: tuple[tuple[Kind, float, str, str], ...] = (
    (
        _F,
        4.0,
        "start",
        r"\[?(?:feature(?: request)?|feat|enhancement|proposal|rfc|suggestion|"
        r"idea|request|improvement)\b[\]:(\s-]",
    ),
    (
        _F,
        3.0,
        "start",
        r"(?:add|adding|adds|support|supporting|allow|allowing|enable|enabling|"
        r"implement|introduce|provide|expose|offer|let)\b",
    ),
    (
        _F,
        2.0,
        "start",
        r"(?:make|improve|extend|create|use|option|ability|consider|new|better|"
        r"include|integrate|replace|deprecate|rename|refactor|switch|migrate|move|optimi[sz]e|"
        r"simplify|unify|customi[sz]e|configurable|upgrade|update|remove|drop|bring back|"
        r"reduce|increase|export|display|show|auto|automatically|should|would|can we|could we|"
        r"please|how about|why not|want|need|request)\b",
    ),
    (_F, 3.0, "any", r"\bfeature requests?\b|\brequest(?:ing)? (?:a|the|this) feature\b"),
    (_F, 1.0, "any", r"\bfeatures?\b"),
    (
        _F,
        2.0,
        "any",
        r"\bwhy (?:is|are) there (?:still )?no\b|\bwhy (?:isn'?t|aren'?t|can'?t|doesn'?t|"
        r"don'?t) (?:there|we|i|it|you)\b|\b(?:keep|kept|have been|are|were) asking for\b"
        r"|\bask(?:ed|ing) for (?:a|an|this|the ability|support)\b",
    ),
    (
        _F,
        2.0,
        "any",
        r"\bonly (?:supports?|accepts?|allows?|covers?|works with|handles?|lets)\b|\bneed"
        r" (?:\w{1,40} )?support\b|\b(?:we|i) want to\b",
    ),
    (
        _F,
        2.0,
        "any",
        r"\b(?:annoying|frustrating|tedious|cumbersome|inconvenient|painful)\b|\b(?:hate|"
        r"tired of|sick of) having to\b",
    ),
    (
        _F,
        2.0,
        "any",
        r"\bby hand\b|\b(?:every (?:time|day|week|month)|each time),? (?:i|we|you|users)"
        r" (?:have|need) to\b|\b(?:i|we|you|users) (?:always |still )?have to\b",
    ),
    (
        _F,
        3.5,
        "any",
        r"\b(?:it|this|that|which|there) (?:would|could|might|will) (?:be|make "
        r"(?:it|things|life)) (?:really |very |so |much |a |extremely |super |more )*(?:great|nice|"
        r"useful|helpful|cool|good|awesome|handy|convenient|beneficial|better|ideal|easier|lovely|"
        r"valuable|amazing|simpler|fantastic|neat|wonderful)",
    ),
    (
        _F,
        3.0,
        "any",
        r"\bwould (?:be|make) (?:really |very |so |a |super )*(?:great|nice|useful|"
        r"helpful|cool|awesome|handy|convenient|beneficial|easier|valuable|good)",
    ),
    (
        _F,
        3.0,
        "any",
        r"\b(?:i|we|users|people|developers) (?:would|'d) (?:really |also )?(?:love|"
        r"like|prefer|appreciate)(?: to (?:see|have|be able|get|use))?\b|\bi'?d (?:love|like)\b",
    ),
    (
        _F,
        3.0,
        "any",
        r"\b(?:is there|there should be|there is no|there'?s no|provide|add|need|want"
        r"|have|introduce|expose|offer) (?:a|an|any|some) (?:\w{1,40} )?(?:way|option|setting|"
        r"flag|api|method|mechanism|possibility|ability|config(?:uration)? option|switch|toggle|"
        r"hook|command)"
        r" (?:to|for)\b",
    ),
    (_F, 1.5, "any", r"\b(?:ability|possibility|option|way) to\b"),
    (
        _F,
        3.0,
        "any",
        r"\b(?:can|could|would|may|should) (?:we|you|it|there|they) (?:please |also "
        r"|maybe |possibly )?(?:add|have|get|support|make|allow|provide|expose|implement|consider|"
        r"introduce|include|be|offer|enable)\b",
    ),
    (
        _F,
        3.0,
        "any",
        r"\b(?:please|pls|kindly) (?:add|support|allow|consider|implement|provide|"
        r"make|expose|include|enable|introduce|offer|remember|keep|let|show|display|remove|hide|"
        r"change|give|create|extend|improve|update|upgrade)\b",
    ),
    (
        _F,
        2.0,
        "any",
        r"\bis (?:it|there) (?:possible|a way|any way|an option)\b|\bwould it be "
        r"(?:possible|nice|great|useful)|\bhow about\b|\bwhat about\b|\bwhy not\b",
    ),
    (
        _F,
        2.5,
        "any",
        r"\b(?:support|supports|supporting) (?:for|of)\b|\badd(?:s|ed|ing)? (?:\w{1,40} )?"
        r"support\b|\bto support\b|\bsupport (?:multiple|custom|more|other|different|additional|"
        r"the new|newer|all)\b",
    ),
    (
        _F,
        2.0,
        "any",
        r"\b(?:not|isn'?t|aren'?t|doesn'?t|don'?t|does not|do not) (?:yet |currently "
        r"|officially )?support(?:ed)?\b|\bunsupported\b|\bnot (?:yet )?(?:possible|implemented)\b"
        r"|\bno (?:way|option|support|api|setting) (?:to|for)\b",
    ),
    (
        _F,
        2.0,
        "any",
        r"\b(?:propos(?:e|al|ed|ing)|suggest(?:ion|ed|ing)?|rfc|enhancements?|"
        r"improvements?|ideas?)\b",
    ),
    (
        _F,
        2.5,
        "any",
        r"\b(?:new|additional|extra|optional|more|custom) (?:options?|features?|apis?|"
        r"endpoints?|parameters?|arguments?|flags?|settings?|commands?|methods?|functions?|modes?|"
        r"types?|fields?|hooks?|events?|formats?|languages?|shortcuts?|keybindings?|props?|"
        r"operators?|ops|layers?|backends?|integrations?|filters?|columns?|buttons?)\b",
    ),
    (
        _F,
        2.5,
        "any",
        r"\b(?:allow|allows|allowing|enable|enables|enabling|let|lets|letting|help|"
        r"helps|permit) (?:the )?(?:users?|us|people|developers|devs|me|you|one|them|admins?|"
        r"clients?|callers?|customers?) to\b",
    ),
    (
        _F,
        2.5,
        "any",
        r"\bshould (?:also )?(?:be able|be possible|be configurable|be optional|"
        r"support|allow|provide|have an option|offer)\b|\bbe able to\b",
    ),
    (
        _F,
        1.5,
        "start",
        r"(?:fallback|trigger|choose|delay|restrict\w{0,40}|hide|warn|sort|group|"
        r"filter|cache|validate|generate|emit|accept|prefer|disable|skip|keep|convert|allow|"
        r"collapse|expand|limit|persist|notify|highlight|sync|store|reuse|split|merge|mention|"
        r"send|share|schedule|attach|preview|suggest|pin|tag|link|remember|track|batch)\b",
    ),
    (
        _F,
        2.0,
        "any",
        r"\bshould be (?:changed|optional|configurable|possible|added|supported|"
        r"allowed|available|customi[sz]able|renamed|moved|removed|improved|extended|exposed|"
        r"updated|made|able|easier|shown|displayed|collapsed|sorted|cached)\b",
    ),
    (_F, 1.5, "any", r"\bneeds? to (?:work with|support|be able|handle|allow|have|accept)\b"),
    (_F, 1.5, "any", r"\bconfigurable\b|\bcustomi[sz](?:able|ation|e)\b|\bopt-?(?:in|out)\b"),
    (
        _F,
        1.5,
        "any",
        r"\b(?:use ?cases?|motivation|benefits?|beneficial|useful|convenient|"
        r"nice to have|nice-to-have|quality of life|would help|helpful)\b",
    ),
    (
        _F,
        2.5,
        "any",
        r"\b(?:currently|right now|at the moment|at present|today),? (?:there is no|"
        r"there'?s no|it is not possible|it'?s not possible|we (?:can'?t|cannot|have to|need to|"
        r"must)|you (?:can'?t|cannot|have to|need to|must)|users? (?:can'?t|cannot|have to|must|"
        r"need to)|"
        r"the only way|one has to|only)",
    ),
    (
        _F,
        1.5,
        "any",
        r"\binstead of having to\b|\bwithout having to\b|\bso that (?:we|users?|i|you|"
        r"it|they|people) (?:can|could|don'?t)\b|\bin order to\b|\bit'?s (?:tedious|cumbersome|"
        r"annoying|painful|inconvenient)\b",
    ),
    (
        _F,
        2.5,
        "any",
        r"\b(?:want|wants|wanted|wish|need|needs) (?:to be able|a way|an option|the "
        r"ability|support|a setting|an api|a flag)\b|\bi wish\b",
    ),
    (_F, 1.0, "any", r"\b(?:add|adds|adding|added|implement|implementing|implementation)\b"),
    (_F, 1.5, "any", r"\bimprov(?:e|ed|es|ing)\b|\benhanc(?:e|ed|es|ing)\b"),
    (
        _F,
        1.5,
        "any",
        r"\b(?:refactor\w{0,40}|clean ?up|deprecat\w{1,40}|renam\w{1,40}|simplif\w{1,40})\b",
    ),
    (_F, 1.0, "any", r"\bwould\b|\bcould\b"),
    (_F, 1.5, "any", r"\bwe (?:should|could|can|need to|might|may want to)\b"),
    (
        _F,
        1.0,
        "any",
        r"\b(?:perf|performance|faster|speed ?up|optimi[sz]\w{1,40}|efficien\w{1,40})\b",
    ),
    (_F, 3.0, "any", r"\bnot a bug\b|\bisn'?t (?:really )?a bug\b|\bnot really a bug\b"),
    (_F, 1.0, "any", r"\b(?:alternatives?|alternatively|similar to|like (?:how|what|in))\b"),
    (_F, 1.0, "any", r"\b(?:docs|documentation|example|examples|tutorial|guide)\b"),
)

CONTENT: tuple[Signal, ...] = compile_table(INCIDENT_ROWS + BUG_ROWS + FEATURE_ROWS)
