"""Honesty: no selling, and no excuses or blame."""

from __future__ import annotations

import re

from drafter.checks.document import Doc
from drafter.checks.report import Violation
from drafter.checks.rulebook import phrases, rule
from drafter.checks.text import NOT_NAMES, approved

_PITCH = (
    r"upgrad\w*|discount\w*|coupons?|promo(?:tion|tions|tional)?|promo codes?"
    r"|(?:special|exclusive|introductory) offers?|limited[- ]time|free trial|upsell\w*"
    r"|cross-sell\w*|(?:special|better|good|best|package|exclusive|sweet) deal(?! of)"
    r"|(?:new|latest|newest|next[- ]generation) (?:\w+ ){0,2}(?:products?|offerings?|features?"
    r"|models?|range|lines?|suite|platform|solutions?|modules?|releases?|versions?|programs?"
    r"|tiers?|plans?|packages?)"
    r"|(?:premium|higher|top|enterprise|gold|platinum) (?:plans?|tiers?|packages?|versions?"
    r"|service|support|editions?)|bundles?|loyalty \w+|our [\w-]+ (?:package|add-on|tier)s?"
    r"|(?:introduce|introducing|launch|launching) (?:you to )?our|add-ons?"
    r"|(?:put|place|present) (?:our|the) [\w -]{1,40}? in front of|pitch(?:ing)?"
    r"|price (?:cut|reduction|break|match)s?|(?:special|better|lower|best|reduced|discounted"
    r"|preferential) (?:prices?|rates?|pricing|terms)|(?:\d+% )?(?:reduction|rebate) (?:on|in|off)"
    r"|(?:new|revised|multi-year|better|special) (?:[\w-]+ )?pricing"
    r"|(?:open|lead|start) (?:the \w+ )?with (?:our|a|the) (?:[\w-]+ ){0,3}(?:offer|proposal|pitch"
    r"|pricing|package)"
)
"""A pitch in any artifact: products, upgrades, packages, discounts."""


_SITES = (
    r"(?:sites?|clinics?|depots?|hotels?|stores?|locations?|branches?|offices?|hospitals?"
    r"|schools?|openings?|restaurants?|kitchens?|warehouses?|plants?|practices?|surgeries"
    r"|centres?|centers?|facilit(?:y|ies)|shops?)"
)


_BUSINESS = (
    r"renewals?"
    r"|renew|renewing|(?:buy|purchase|order)(?:ing)? more|pricing|price (?:list|increase|change)s?"
    r"|(?:additional|further|more|new) business"
    rf"|(?:for|to|across|at) (?:your|the|all|their) (?:other|new|additional|remaining|next)"
    rf" (?:\w+ ){{0,2}}{_SITES}|{_SITES} (?:you|they)(?:'re| are) (?:opening|adding|building"
    r"|planning)|(?:our|the) (?:[\w-]+ )?(?:service|support|maintenance|subscription)"
    r" (?:plans?|packages?|contracts?|tiers?) for"
)
"""Talk of new business: selling to a customer whose relationship is broken."""


_SELLING = re.compile(
    rf"(?<!\w)(?:{_PITCH}|{_BUSINESS})\b|(?<!\d)\d+(?:\.\d+)?\s?(?:%|percent)\s?off\b",
    re.IGNORECASE,
)


_PITCHING = re.compile(
    rf"(?<!\w)(?:{_PITCH})\b|(?<!\d)\d+(?:\.\d+)?\s?(?:%|percent)\s?off\b", re.IGNORECASE
)
"""Selling in an internal note: a plan to pitch; the renewal itself is the value at stake."""


_DEAL_SELLING = re.compile(
    r"(?<!\w)(?:discount\w*|coupons?|price (?:cut|reduction|break|match)s?|(?:special|better"
    r"|lower|best|reduced|discounted|preferential) prices?|(?:reduction|rebate) (?:on|in|off)"
    r"|limited[- ]time|(?:offer|price|terms?) (?:expires?|ends?|stands? only)|lock in"
    r"|sign(?:ature|ed|ing)? (?:[\w-]+ ){0,6}?(?:by|before) (?:the end of |this |next )?"
    r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|tomorrow|week|month"
    r"|quarter|\d))\b|(?<!\d)\d+(?:\.\d+)?\s?(?:%|percent)\s?off\b",
    re.IGNORECASE,
)
"""Selling in a live deal: discounts and pressure to sign, not the deal itself."""


_PLEDGE = re.compile(r"\bearn(?:ed)? (?:the right|it back|back your trust)\b", re.IGNORECASE)


_RIVAL_WORD = re.compile(r"\b[A-Z][\w&-]+")


def _disparaging(doc: Doc) -> re.Pattern[str] | None:
    """Running down the case's competitor: 'the stronger choice over Orbis', 'unlike Orbis'."""
    words = [
        w
        for w in _RIVAL_WORD.findall(doc.case.competitor or "")
        if w.lower() not in NOT_NAMES and len(w) > 2
    ]
    if not words:
        return None
    rival = "|".join(re.escape(w) for w in words)
    return re.compile(
        rf"(?<!\w)(?:(?:better|stronger|safer|smarter|wiser|superior|right|obvious|proven)"
        rf" (?:\w+ )?(?:than|over|to) (?:\w+ )?(?:{rival})|unlike (?:\w+ )?(?:{rival})"
        rf"|(?:{rival})(?: \w+)? (?:can't|cannot|won't|doesn't|does not|lacks?|has no"
        rf"|is (?:weaker|behind|unproven|risky|riskier|slower|cheaper for a reason))"
        rf"|(?:{rival})(?: \w+)? (?:has|have|had) (?:struggled|failed|had (?:trouble|problems"
        rf"|issues))|(?:a generation|years|well|far|way) behind (?:ours|us|what we))\b",
        re.IGNORECASE,
    )


@rule(
    "no-selling",
    "No pitching, upgrades, renewals, pricing or discounts while the relationship is "
    "broken; in a live deal, no discounts, pressure to sign or running down the competitor "
    "(METHOD principle 1, repair first, sell never; Situations: deal).",
)
def _no_selling(doc: Doc) -> list[Violation]:
    if doc.case.situation == "deal":
        pattern = _DEAL_SELLING
    else:
        pattern = _SELLING if doc.artifact.audience == "customer" else _PITCHING
    found = [
        m
        for m in pattern.finditer(doc.flow)
        if not (
            doc.copied(m)
            or doc.negated(m)
            or doc.sentence_has(_PLEDGE, m.start())
            or approved(m[0], doc.facts.gifts | doc.facts.changes)
        )
    ]
    rival = _disparaging(doc)
    found += [m for m in rival.finditer(doc.flow) if not doc.negated(m)] if rival else []
    return phrases("no-selling", found)


_EXCUSES = re.compile(
    r"(?<!\w)(?:unfortunately|due to (?:\w+ ){0,2}circumstances|circumstances (?:beyond|outside)"
    r"|(?:beyond|outside|out of) (?:our|my) (?:control|hands)|unforeseen|unprecedented"
    r"|(?:mistakes|errors) (?:were|have been) made|sorry (?:that )?you (?:feel|felt)"
    r"|(?:sorry|apologi[sz]e|regret) if"
    r"|sorry (?:that )?you (?:came away |were left |ended up )?feeling"
    r"|if (?:we|I) (?:have |may have |might have )?"
    r"(?:caused|upset|offended|disappointed)|inconvenien\w*|(?:may|might) have caused"
    r"|not (?:really |entirely )?(?:my|our) fault|through no fault|user error"
    r"|as you (?:may|might|will|probably|surely) (?:already )?(?:know|be aware|have heard|recall)"
    r"|could(?:n't| not) have been (?:prevented|avoided|foreseen)"
    r"|(?:unusually|exceptionally|particularly|extremely|incredibly) (?:busy|hectic|stretched)"
    r"|short[- ]staffed|under[- ]?staffed|(?:there was|we had) (?:no|not enough|too little) time"
    r"|you (?:misunderstood|misread)|in (?:all )?fairness|to be fair"
    r"|(?:you|your \w+) (?:should|could|ought to) have (?:told|called|informed|let|raised|"
    r"contacted|checked|read|followed|asked|reported|flagged|noticed|ordered|known|escalated|"
    r"emailed|mentioned|said)|(?:you|your \w+) (?:failed|forgot|neglected) to"
    r"|(?:you|your \w+) (?:didn't|did not|never) (?:follow|read|tell|inform|report|raise|flag"
    r"|check|order|use|train)|(?:a |some )?(?:miscommunication|misunderstanding)s?"
    r"|if you (?:had|'d) (?:told|let|called|informed|read|followed|asked|flagged|raised)"
    r"|had (?:you|your(?: [\w'-]+){1,3}|the [\w'-]+(?: [\w'-]+){0,3}) (?:only )?(?:told|let"
    r"|flagged|raised|called|reported|sent|shared|given|asked|informed|mentioned|warned"
    r"|come to|contacted)|as you were (?:told|informed|advised))\b",
    re.IGNORECASE,
)
"""Excuses in any context, the customer blamed included ('had your team told us sooner')."""


_BLAME = re.compile(
    r"(?<!\w)(?:(?:(?!our\b|my\b)\w+'s|your|their|his|her) fault"
    r"|(?:the )?fault of (?!us\b|me\b|ours\b)|fault (?:lies|lay|was|is) with (?!us\b|me\b))\b",
    re.IGNORECASE,
)
"""Blame on someone else, unless negated ('none of this was your fault')."""


_THIRD_PARTY = (
    r"(?:our|the|a|an) (?:[\w-]+ ){0,2}?(?:suppliers?|vendors?|providers?|carriers?"
    r"|couriers?|manufacturers?|subcontractors?|contractors?|third[- ]part(?:y|ies)|partners?"
    r"|hauliers?|hosts?|hosting (?:company|firm|partner)s?|(?:firm|company|agency|outfit)s?"
    r" (?:we|I) (?:were using|used|had|hired|chose|contracted|relied on))"
)


_SUPPLIER_BLAME = re.compile(
    rf"(?<!\w)(?:{_THIRD_PARTY})(?=(?:'s?)?(?: (?!and\b|or\b|we\b|I\b)[\w-]+){{0,4}}?"
    r" (?:had|has had|shipped|sent|pushed|released|caused|started|triggered|failed|broke"
    r"|went down|missed|kept"
    r"|let us down|made|did not|didn't|was late|were late|suffered|experienced|dropped|lost)\b)"
    rf"|(?<!\w)(?:incident|outage|failure|fault|error|bug|problem|issue|delay|breach)s? (?:at|with"
    rf"|from|by|in|on the side of) (?:{_THIRD_PARTY})\b",
    re.IGNORECASE,
)
"""A supplier named as the cause, however politely: 'a major incident at our cloud provider'."""


_PREDECESSOR = (
    r"(?:(?:my|our|your|the) )?predecessors?"
    r"|(?:the|my|your|our) (?:previous|former|prior|old|last) (?:reps?"
    r"|representatives?|account (?:managers?|executives?|reps?)|sales ?(?:people|persons?|reps?)"
    r"|salesperson|manager|contact)|the (?:rep|representative|account manager|salesperson"
    r"|person|colleague|manager) (?:before me|who had (?:the|your) account)"
)


_DISOWNING = re.compile(
    rf"(?<!\w)(?:(?:because|since|as|due to|thanks to|down to) (?:of )?(?:{_PREDECESSOR})"
    r"|down to (?:him|her|them)|(?:his|her) (?:legacy|doing|call|decision|idea|habit"
    r"|mistake|error|own way)(?![\w-])|(?:a|one) \w+ of (?:his|hers)\b"
    r"|one person's (?:call|decision"
    r"|doing|mistake|choice)|not (?:how|what) (?:the rest of us|the current team|the team here)"
    r" (?:work|do|did|operate)|not something (?:the current team|I|the rest of us|the team here)"
    r" (?:did|do|would do)|nobody (?:here|else) knew|no one (?:here|else)"
    r" (?:knew|would have)|had no business|not (?:\w+ )?(?:company )?policy"
    r"|before my time|I (?:wasn't|was not) (?:here|there|involved|responsible|around)"
    rf"|(?:{_PREDECESSOR})(?:'s)? (?:fault|mistake|doing|error|problem)"
    rf"|(?:{_PREDECESSOR}) (?:\w+ ){{0,3}}?(?:left|let|ignored|failed|forgot|dropped|oversold"
    r"|mishandled|never|didn't|did not|promised|wrote|sold|pushed|placed|booked))\b",
    re.IGNORECASE,
)
"""Distancing the company from a failure: blaming the predecessor, hiding behind being new.
A predecessor named in a plain statement of fact ('I took the account over from the
previous account manager') is not blame."""


_OWNING = re.compile(
    r"(?<!\w)(?:(?:I|we|I'll|we'll|I still|we still) own|own (?:it|that|this)|owning|ownership"
    r"|ours|mine|responsib\w*|accountab\w*|no excuse|doesn't change|does not change"
    r"|changes nothing|regardless|on (?:me|us)|hide behind|on behalf of|in (?:our|\w+'s) name"
    r"|our (?:fault|failure|problem|mistake|job))\b",
    re.IGNORECASE,
)


@rule(
    "no-excuses",
    "No excuses and no blame on the customer, a predecessor, a supplier or "
    "'circumstances' (METHOD principle 3, own it, no excuses).",
)
def _no_excuses(doc: Doc) -> list[Violation]:
    found = [m for m in _EXCUSES.finditer(doc.flow) if not doc.copied(m)]
    found += [
        m
        for pattern in (_BLAME, _SUPPLIER_BLAME)
        for m in pattern.finditer(doc.flow)
        if not (doc.copied(m) or doc.negated(m))
    ]
    found += [
        m
        for m in _DISOWNING.finditer(doc.flow)
        if not (
            doc.copied(m) or doc.negated(m) or doc.sentence_has(_OWNING, m.start(), and_next=True)
        )
    ]
    return phrases("no-excuses", found)
