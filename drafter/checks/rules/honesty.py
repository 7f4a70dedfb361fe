"""Honesty: no selling, no excuses or blame, and no facts or offers the case does not give."""

from __future__ import annotations

import math
import re

from drafter.checks.document import CLAUSE_BREAK, Doc, Reach
from drafter.checks.facts import (
    DATE,
    MONEY_TOLERANCE,
    PERCENT,
    YEAR,
    date_known,
    date_refs,
    money_in,
)
from drafter.checks.report import Violation
from drafter.checks.rulebook import phrases, rule, to_customer
from drafter.checks.text import (
    approved,
)

_SELLING = re.compile(
    r"(?<!\w)(?:upgrad\w*|discount\w*|coupons?|promo(?:tion|tions|tional)?|promo codes?"
    r"|(?:special|exclusive|introductory) offers?|limited[- ]time|free trial|upsell\w*"
    r"|cross-sell\w*|(?:a|the|this|special|great|better|good|best|package|exclusive|sweet) deal"
    r"|(?:new|latest|newest|next[- ]generation) (?:\w+ ){0,2}(?:products?|offerings?|features?"
    r"|models?|range|lines?|suite|platform|solutions?|modules?|releases?|versions?|programs?)"
    r"|premium (?:plans?|tiers?|packages?|versions?|service|support)|bundles?|loyalty \w+"
    r"|(?:introduce|introducing|launch|launching) (?:you to )?our"
    r"|renewals?|renew|renewing|(?:buy|purchase|order)(?:ing)? more|add-ons?"
    r"|pricing|price (?:list|increase|change|cut|reduction|break|match|point)s?"
    r"|(?:special|better|lower|best|reduced|discounted|preferential) prices?"
    r"|(?:additional|further|more|new) business)\b"
    r"|(?<!\d)\d+(?:\.\d+)?\s?(?:%|percent)\s?off\b",
    re.IGNORECASE,
)


_PLEDGE = re.compile(r"\bearn(?:ed)? (?:the right|it back|back your trust)\b", re.IGNORECASE)


@rule(
    "no-selling",
    "No pitching, upgrades, renewals, pricing or discounts while the relationship is "
    "broken (METHOD principle 1, repair first, sell never).",
    applies=to_customer,
)
def _no_selling(doc: Doc) -> list[Violation]:
    return phrases(
        "no-selling",
        (
            m
            for m in _SELLING.finditer(doc.flow)
            if not (
                doc.copied(m)
                or doc.negated(m)
                or doc.sentence_has(_PLEDGE, m.start())
                or approved(m[0], doc.facts.gifts | doc.facts.changes)
            )
        ),
    )


_EXCUSES = re.compile(
    r"(?<!\w)(?:unfortunately|due to (?:\w+ ){0,2}circumstances|circumstances (?:beyond|outside)"
    r"|(?:beyond|outside|out of) (?:our|my) (?:control|hands)|unforeseen"
    r"|(?:mistakes|errors) (?:were|have been) made|sorry (?:that )?you (?:feel|felt)"
    r"|(?:sorry|apologi[sz]e|regret) if|if (?:we|I) (?:have |may have |might have )?"
    r"(?:caused|upset|offended|disappointed)|inconvenien\w*|not (?:really |entirely )?(?:my|our) "
    r"fault|through no fault|user error|you (?:misunderstood|misread)"
    r"|(?:you|your \w+) (?:should|could|ought to) have (?:told|called|informed|let|raised|"
    r"contacted|checked|read|followed|asked|reported|flagged|noticed|ordered|known|escalated|"
    r"emailed|mentioned|said)|(?:you|your \w+) (?:failed|forgot|neglected) to"
    r"|(?:you|your \w+) (?:didn't|did not|never) (?:follow|read|tell|inform|report|raise|flag"
    r"|check|order|use|train)|(?:a |some )?(?:miscommunication|misunderstanding)s?"
    r"|if you had (?:told|let|called|informed|read|followed|asked)|as you were (?:told|informed|"
    r"advised))\b",
    re.IGNORECASE,
)
"""Excuses in any context."""


_BLAME = re.compile(
    r"(?<!\w)(?:(?:(?!our\b|my\b)\w+'s|your|their|his|her) fault"
    r"|(?:the )?fault of (?!us\b|me\b|ours\b)|fault (?:lies|lay|was|is) with (?!us\b|me\b)"
    r"|(?:our|the|a|their) (?:suppliers?|vendors?|carriers?|couriers?|manufacturers?"
    r"|subcontractors?|third[- ]part(?:y|ies)|logistics partners?))\b",
    re.IGNORECASE,
)
"""Blame on someone else, unless negated ('none of this was your fault')."""


_NEW_HERE = re.compile(
    r"(?<!\w)(?:before my time|before I (?:joined|arrived|started|took over|came on board)"
    r"|I (?:wasn't|was not) (?:here|there|involved|responsible|around)|predecessors?"
    r"|(?:the|my|your) (?:previous|former|prior|old|last) (?:reps?|representatives?|account "
    r"(?:managers?|executives?|reps?)|sales ?(?:people|persons?|reps?)|salesperson|team|manager"
    r"|management))\b",
    re.IGNORECASE,
)
"""Hiding behind being new, unless that sentence or the next owns it for the company."""


_OWNING = re.compile(
    r"(?<!\w)(?:own|owns|owning|ownership|ours|mine|responsib\w*|accountab\w*|no excuse"
    r"|doesn't change|does not change|changes nothing|regardless|on (?:me|us)|hide behind"
    r"|on behalf of|our (?:fault|failure|problem|mistake|job))\b",
    re.IGNORECASE,
)


@rule(
    "no-excuses",
    "No excuses and no blame on the customer, a predecessor, a supplier or "
    "'circumstances' (METHOD principle 3, own it, no excuses).",
)
def _no_excuses(doc: Doc) -> list[Violation]:
    found = [m for m in _EXCUSES.finditer(doc.flow) if not doc.copied(m)]
    found += [m for m in _BLAME.finditer(doc.flow) if not (doc.copied(m) or doc.negated(m))]
    found += [
        m
        for m in _NEW_HERE.finditer(doc.flow)
        if not (doc.copied(m) or doc.sentence_has(_OWNING, m.start(), and_next=True))
    ]
    return phrases("no-excuses", found)


_OFFER_TERM = re.compile(
    r"(?<!\w)(?:credits?|credited|refund\w*|discount\w*|rebates?|waive[rsd]?|waiving|compensat\w*"
    r"|reimburs\w*|money back|write[- ]off|written off|complimentary|vouchers?|coupons?"
    r"|gift cards?|on the house|at no (?:charge|cost)|no[- ]charge|free of charge|for free"
    r"|free (?:of|service|months?|upgrades?|products?|replacements?|training|licen[cs]es?|support"
    r"|shipping|delivery|deliveries|stock|units?|items?|days?|weeks?)"
    r"|(?:days?|weeks?|months?|years?) (?:free|at no (?:charge|cost)))\b"
    r"|(?<!\d)\d+(?:\.\d+)?\s?(?:%|percent)\s?off\b",
    re.IGNORECASE,
)


_OFFER_CUE = re.compile(
    r"(?<!\w)(?:offer\w*|give|giving|provide|providing|issue|issuing|apply|applying|extend|send"
    r"|grant|include|including|arrange|waive|we'll|we will|we'd|we would|we can|we could|we are"
    r"|we're|I'll|I will|I'd|I would|I can|I could|I've|I have|happy to|glad to|able to"
    r"|approved|as a gesture|goodwill|on us|here's|here is|enjoy|you'll get|you will get"
    r"|as a thank)\b",
    re.IGNORECASE,
)


@rule(
    "no-invented-facts",
    "Every amount, percentage, date and offer comes from the case; nothing is improvised "
    "(METHOD principles 5 and 6).",
)
def _no_invented_facts(doc: Doc) -> list[Violation]:
    facts, found = doc.facts, []
    taken: list[tuple[int, int]] = []
    for m, value in money_in(doc.flow):
        taken.append(m.span())
        if not any(math.isclose(value, n, rel_tol=MONEY_TOLERANCE) for n in facts.numbers):
            found.append(m)
    for m in PERCENT.finditer(doc.flow):
        if float(m[1]) not in facts.percents:
            found.append(m)
    for m in DATE.finditer(doc.flow):
        taken.append(m.span())
        if not any(date_known(ref, facts.dates) for ref in date_refs(m)):
            found.append(m)
    reach = Reach.of(taken)
    for m in YEAR.finditer(doc.flow):
        inside = reach.at(m.start()) > m.start()
        if not inside and int(m[0]) not in facts.years:
            found.append(m)
    allowed = facts.gifts | (facts.needs if doc.artifact.audience == "management" else frozenset())
    found += [m for m in _OFFER_TERM.finditer(doc.flow) if _is_offer(doc, m, allowed)]
    return phrases("no-invented-facts", (m for m in found if not doc.copied(m)))


def _is_offer(doc: Doc, m: re.Match[str], allowed: frozenset[str]) -> bool:
    """Is this credit/refund/free/… an offer, and not one the case approved?"""
    clause = CLAUSE_BREAK.split(doc.flow[max(0, m.start() - 200) : m.end()])[-1]
    return bool(_OFFER_CUE.search(clause) and not doc.negated(m) and not approved(m[0], allowed))
