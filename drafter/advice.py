"""What the escalation note recommends, and case text in the note's internal voice.

The recommendation (METHOD.md, "Recommendation") follows from the case; first match wins:

1. Management will not back it (``escalation.management_support: no``): **walk away**,
   unless the backing is given after all; said plainly.
2. The recovery costs more than a year of the account's value (``escalation.cost``):
   **walk away** and keep in touch.
3. Nothing is at stake (no annual value, renewal date or notes on its potential): **walk
   away**.
4. The break is personal (``situation: personal``): **hand over**, to ``handover_to``.
5. The contact will not meet (``customer.refuses_to_meet``): **escalate on the customer's
   side**, to ``customer.manager``.
6. Otherwise: **recover** (a lost customer: win it back; a deal: recover the deal), with
   the backing the needs list.

The reason cites the case's own facts: the value, the renewal date, the years, the cost
against the value, the competitor; for a lost customer, the potential rather than a
revenue at risk. Deterministic: the same case always gives the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Literal

from drafter.case import Case

Action = Literal["recover", "escalate", "hand_over", "walk_away"]
"""The method's four recommendations (METHOD.md, the escalation note)."""

LABELS: dict[Action, str] = {
    "recover": "Recover the account",
    "escalate": "Escalate on the customer's side",
    "hand_over": "Hand the account to a colleague",
    "walk_away": "Walk away",
}
"""A short heading for each action."""

_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS = _NUMBERS.split()


@dataclass(frozen=True)
class Recommendation:
    """What the escalation note recommends and why."""

    action: Action
    reason: str
    """Why, citing the case: reads after "because" (it starts in lower case)."""
    label: str
    """The action as this case puts it, e.g. 'Hand the account to Renee Park'."""
    backing: Backing = field(default_factory=lambda: Backing((), ()))
    """What the recovery needs: still to decide, and already approved."""


@dataclass(frozen=True)
class Backing:
    """The escalation's needs, split: what is still asked, and the approved gestures (each
    with the need it already covers, e.g. "the approval to credit $48,000 of returned
    stock", or "")."""

    asked: tuple[str, ...]
    approved: tuple[tuple[str, str], ...]


# --- the internal voice ------------------------------------------------------------------

_CURLY = "\u2019"
_SECOND_PERSON = re.compile(
    r"\b(?:you(?:rs|rself|rselves|r|['\u2019](?:re|ve|ll|d))?)\b", re.IGNORECASE
)
_PREVIOUS_WORD = re.compile(r"([A-Za-z'\u2019]+)\s+$")
"""The word just before, with nothing but spaces between (punctuation starts a clause)."""
_OBJECT_WORDS = """to for with at from of by about on onto into upon without against between among
    behind beside near toward towards like past than told sold gave sent let left kept
    made cost owe owed help helped thank thanked call called tell show showed shown give
    meet met ask asked pay paid bill billed charge charged put got get leave keep send
    sell bring brought forced promised failed disappointed assured reassured contacted
    reached update updated inform informed remind reminded let's serve served support
    supported invoiced quoted offered owes"""
_OBJECT_AFTER = frozenset(_OBJECT_WORDS.split())
"""Words after which "you" is an object ("came back to you" → "came back to them")."""
_THIRD_PERSON = {
    "your": "their",
    "yours": "theirs",
    "yourself": "themselves",
    "yourselves": "themselves",
    "you're": "they're",
    "you've": "they've",
    "you'll": "they'll",
    "you'd": "they'd",
}


def third_person(text: str) -> str:
    """Customer-facing case text in the internal voice: "you" and "your" become "they",
    "them" and "their" ("When you raised it, nobody came back to you" → "When they raised
    it, nobody came back to them"). "We", "our" and "I" stay: the company and the writer."""

    def swap(m: re.Match[str]) -> str:
        word = m[0]
        key = word.lower().replace(_CURLY, "'")
        if key == "you":
            before = _PREVIOUS_WORD.search(text[max(0, m.start() - 40) : m.start()])
            prev = before[1].lower() if before else ""
            objective = prev in _OBJECT_AFTER or (len(prev) > 3 and prev.endswith(("ed", "ing")))
            new = "them" if objective else "they"
        else:
            new = _THIRD_PERSON[key]
        if _CURLY in word:
            new = new.replace("'", _CURLY)
        return new[0].upper() + new[1:] if word[0].isupper() else new

    return _SECOND_PERSON.sub(swap, text)


# --- facts, in words ---------------------------------------------------------------------


def _count(n: int) -> str:
    """A whole number from 1 to 20 in words ("three"): no digits the case does not have."""
    return _NUMBER_WORDS[min(max(n, 0), len(_NUMBER_WORDS) - 1)]


def _years(value: float) -> str:
    return f"{value:g} year" + ("" if value == 1 else "s")


def share_of_value(cost: float, annual: float, of: str = "the account's value") -> str:
    """The cost as time of the account's value, in words: "under two months of the
    account's value", "more than a year of its value"."""
    months = cost * 12 / annual
    if months < 1:
        return f"less than a month of {of}"
    if months < 12:
        return f"under {_count(int(months) + 1)} months of {of}"
    years = int(months // 12)
    return f"more than {'a year' if years == 1 else _count(years) + ' years'} of its value"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _render() -> ModuleType:
    """drafter.render, imported late: it imports this module."""
    from drafter import render

    return render


def _person(text: str) -> str:
    """The name in "Ruth Calloway, Director of Publishing": the part before any comma."""
    return text.split(",")[0].strip()


def successor(case: Case) -> str:
    """Who takes the account over: "Renee Park (Senior Account Manager)", or a colleague."""
    h = case.handover_to
    if h is None:
        return "a colleague"
    return f"{h.name} ({h.title})" if h.title else h.name


def their_manager(case: Case) -> str:
    """Who is above the contact: "Ruth Calloway, Director of Publishing", or "Walt's manager"."""
    r = _render()
    return case.customer.manager or f"{r.first_name(case.customer.name)}'s manager"


# --- the recommendation ------------------------------------------------------------------


def recommend(case: Case) -> Recommendation:
    """The method's recommendation for this case (see the module docstring for the rules),
    with the backing it needs."""
    return replace(_decide(case), backing=backing(case))


def _decide(case: Case) -> Recommendation:
    """The action, its reason and its label (the rules in the module docstring)."""
    r = _render()
    v, e = case.value_at_stake, case.escalation
    support = e.management_support if e else "unknown"
    cost = e.cost if e else None
    worth = r.money(v.annual_value, v.currency)
    contact = r.first_name(case.customer.name)
    competitor = " " + r.sentence(third_person(case.competitor)) if case.competitor else ""

    if support == "no":
        return _without_backing(case)
    if cost is not None and v.annual_value and cost > v.annual_value:
        reason = (
            f"the recovery's estimated cost of {r.money(cost, v.currency)} is more than the "
            f"{worth} a year {case.account} is worth"
            + (f" ({share_of_value(cost, v.annual_value)})" if cost >= 2 * v.annual_value else "")
            + f". I would keep in touch with {contact}, without a funded recovery, and come "
            "back to you if that changes."
        )
        return Recommendation("walk_away", reason, "Walk away and keep in touch")
    if not (v.annual_value or v.renewal or v.notes):
        reason = (
            f"nothing recurring is at stake: {case.account} has no annual value, renewal or "
            "further potential recorded, so it does not justify a recovery effort."
        )
        if case.give_first:
            reason += " I would honour what is already approved and step back."
        return Recommendation("walk_away", reason, LABELS["walk_away"])

    weighed = _weighing(case)
    costed = _cost(case)
    if case.situation == "personal":
        reason = f"the break is with me personally, and {weighed}: too much to lose over it."
        if case.handover_to:
            reason += f" {case.handover_to.name} would lead the account from here."
        return Recommendation(
            "hand_over", reason + costed, f"Hand the account to {successor(case)}"
        )
    if case.customer.refuses_to_meet:
        reason = (
            f"{contact} has refused to meet us, and {weighed}: too much to lose for want of "
            f"one conversation. I would ask {_titled(their_manager(case))} for the meeting "
            f"instead.{costed}{competitor}"
        )
        to = f", to {_person(case.customer.manager)}" if case.customer.manager else ""
        return Recommendation("escalate", reason, LABELS["escalate"] + to)
    more = ", not counting the further potential above" if v.notes else ""
    if case.situation == "lost":
        reason = (
            f"nothing is at risk today, but the potential is real: {weighed}{more}."
            f"{competitor} A low-pressure approach costs us little.{costed}"
        )
        return Recommendation(
            "recover", reason, f"Recover the account by reconnecting with {contact}"
        )
    if case.situation == "deal":
        welcome = " We should welcome that, not argue against it." if competitor else ""
        reason = (
            f"{weighed}, and what set it back are concerns we can answer one by one."
            f"{costed}{competitor}{welcome}"
        )
        return Recommendation("recover", reason, "Recover the deal")
    return Recommendation("recover", f"{weighed}{more}.{costed}{competitor}", LABELS["recover"])


def _without_backing(case: Case) -> Recommendation:
    """Walk away, said plainly: management will not commit the resources."""
    r = _render()
    v = case.value_at_stake
    worth = r.money(v.annual_value, v.currency)
    if case.situation == "lost":
        lost = [f"the chance of {worth} a year again"] if v.annual_value else []
    else:
        lost = [f"{worth} a year"] if v.annual_value else []
        lost += [f"the renewal on {r.longdate(v.renewal)}"] if v.renewal else []
        if case.relationship_years:
            lost.append(f"{_years(case.relationship_years)} as a customer")
    instead = {
        "personal": f"hand the account to {successor(case)}",
        "lost": "try to win the account back",
        "deal": "recover the deal",
    }.get(case.situation, "recover the account")
    if case.situation in ("incident", "deal") and case.customer.refuses_to_meet:
        instead = f"go to {their_manager(case)} for a meeting"
    reason = (
        "management will not commit the resources, and a recovery we cannot staff would "
        f"only add another broken promise to {case.account}."
    )
    reason += f" Walking away gives up {_join(lost)}." if lost else ""
    reason += f" If the backing is given after all, I would {instead}."
    return Recommendation("walk_away", reason, LABELS["walk_away"])


def _weighing(case: Case) -> str:
    """What the account is worth, as one clause: "Northwind Regional Hospital is worth
    $240,000 a year, renews on 31 March 2027 and has been a customer for 6 years"."""
    r = _render()
    v = case.value_at_stake
    worth = r.money(v.annual_value, v.currency)
    years = _years(case.relationship_years) if case.relationship_years else ""
    if case.situation == "lost":
        parts = [f"{case.account} was a customer for {years}"] if years else []
        parts += [f"would be worth {worth} a year again"] if v.annual_value else []
        subject = "" if years else f"{case.account} "
    elif case.situation == "deal":
        parts = [f"is worth {worth} a year"]
        subject = "it "
    else:
        parts = [f"is worth {worth} a year"] if v.annual_value else []
        parts += [f"renews on {r.longdate(v.renewal)}"] if v.renewal else []
        parts += [f"has been a customer for {years}"] if years else []
        subject = f"{case.account} "
    return subject + _join(parts) if parts else f"{case.account} has potential beyond today"


def _cost(case: Case) -> str:
    """The recovery's cost against the account's value, as a sentence with a leading space;
    empty when the case gives no cost."""
    r = _render()
    v, e = case.value_at_stake, case.escalation
    if not (e and e.cost is not None and v.annual_value):
        return ""
    cost = r.money(e.cost, v.currency)
    of = "the deal's value" if case.situation == "deal" else "the account's value"
    return (
        f" The recovery's estimated cost, {cost}, is {share_of_value(e.cost, v.annual_value, of)}."
    )


def _titled(person: str) -> str:
    """ "Ruth Calloway, Director of Publishing" → "Ruth Calloway (Director of Publishing)"."""
    name, _, title = person.partition(",")
    return f"{name.strip()} ({title.strip()})" if title.strip() else person


# --- the backing -------------------------------------------------------------------------

_APPROVAL = re.compile(r"^(?:approval|sign-?off|go-ahead)\s+(?:to|for|of)\b", re.I)
_WORD = re.compile(r"[^\W_]+")
_STOPWORDS = (
    "the a an of for to and with our their your at on in by from all any this that be is are "
    "was were will it its we us they them you who which as per"
)
_STOP = frozenset(_STOPWORDS.split())


def _stems(text: str) -> set[str]:
    """Significant words, lightly stemmed, to tell whether a need and a gesture overlap."""
    found = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 3:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        found.add(word[:5])
    return found


def backing(case: Case) -> Backing:
    """Which needs an approved gesture (``give_first``) already covers: a need that asks
    approval for what a gesture gives ("Approval to credit $48,000 of returned stock" beside
    "Take back all unused reloads for full credit"), or that repeats a gesture. Those are
    reported as approved, never asked for again."""
    needs = case.escalation.needs if case.escalation else []
    gifts = [(g, _stems(g)) for g in case.give_first]
    covers: dict[int, list[str]] = {}
    asked = []
    for need in needs:
        text = " ".join(need.split())
        approval = _APPROVAL.match(text)
        words = _stems(text[approval.end() :] if approval else text)
        match = next(
            (
                i
                for i, (_, gift) in enumerate(gifts)
                if (approval and words & gift) or (len(words & gift) * 3 >= len(words) * 2 > 0)
            ),
            None,
        )
        if match is None:
            asked.append(text)
        elif approval:
            covers.setdefault(match, []).append("the " + text[0].lower() + text[1:].rstrip(" ."))
    approved = tuple((g, " and ".join(covers.get(i, []))) for i, (g, _) in enumerate(gifts))
    return Backing(tuple(asked), approved)
