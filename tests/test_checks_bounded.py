"""The checks and the schemas' cleaning take time linear in their input, whatever it holds.

Each input is sized so that linear code takes a fraction of a second, while the quadratic
code these tests guard against took a minute or more on it (a 40,000-character run of '='
took 49 s). The time bounds are generous on purpose: only a blow-up can break them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from drafter.case import Case
from drafter.casefile import load_case
from drafter.checks import KIND_RULES, Report, check_draft, check_text
from drafter.drafts import KINDS, Kind
from drafter.schemas import EmailDraft, EscalationDraft
from tests.conftest import SHARED

BOUND = 4.0
"""Seconds for one check of one pathological draft: linear code needs well under one."""

PATHOLOGICAL: dict[str, tuple[str, int]] = {
    "equals": ("=", 40_000),
    "dashes": ("-", 40_000),
    "dots": (".", 40_000),
    "spaces": (" ", 100_000),
    "letters": ("a", 100_000),
    "a-": ("a-", 20_000),
    "digits with commas": ("1,", 40_000),
    "$1,": ("$1,", 20_000),
    "digits": ("7", 40_000),
    "unicode": ("é—ü€", 40_000),
    "braces": ("{{", 40_000),
    "brackets": ("[a", 40_000),
    "angle placeholders": ("<insert", 150_000),
    "one long sentence": ("our predecessor offered an upgrade ", 80_000),
    "years and money": ("$1 2020 ", 80_000),
    "many short lines": ("a\n", 20_000),
    "repeated bullets": ("- item\n", 20_000),
}
"""Input name → (the unit repeated, the size in characters)."""


@pytest.fixture(scope="module")
def case() -> Case:
    return load_case(str(SHARED / "cases" / "missed-deliveries.yaml"))


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _timed(run: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_drafts_are_checked_in_bounded_time(name: str, kind: Kind, case: Case) -> None:
    text = _repeat(*PATHOLOGICAL[name])
    report, seconds = _timed(lambda: check_text(kind, text, case))
    assert seconds < BOUND, f"{name}: {seconds:.1f}s for {len(text):,} characters"
    assert isinstance(report, Report)
    assert report.rules_run == KIND_RULES[kind]
    assert not report.ok


def _length_note(report: Report) -> str:
    return next(v.text for v in report.violations if v.rule == "length")


@pytest.mark.parametrize("symbol", ["=", "-", ".", "_", "{"])
def test_a_run_of_symbols_counts_as_no_words(symbol: str, case: Case) -> None:
    text = f"Walt,\n\n{symbol * 40_000}\n\nSam Ortiz"
    report, seconds = _timed(lambda: check_text("email", text, case))
    assert seconds < BOUND
    assert _length_note(report).startswith("3 words;")


def test_a_long_paragraph_of_short_lines_is_one_paragraph(case: Case) -> None:
    text = "Walt,\n\n" + "word\n" * 20_000 + "\nSam Ortiz"
    report, seconds = _timed(lambda: check_text("email", text, case))
    assert seconds < BOUND
    notes = [v.text for v in report.violations if v.rule == "length"]
    assert notes[0].startswith("20003 words;")
    assert notes[1].startswith("a paragraph of 20000 words: word word word")


@pytest.mark.parametrize(
    ("filler", "placeholder"),
    [("{{", "{{ customer.name }}"), ("[a", "[Customer name]"), ("<insert", "<insert date>")],
)
def test_a_placeholder_after_a_run_of_openers_is_still_found(
    filler: str, placeholder: str, case: Case
) -> None:
    text = f"Walt,\n\n{filler * 20_000}\n\nWe are sorry. {placeholder}\n\nSam Ortiz"
    report, seconds = _timed(lambda: check_text("email", text, case))
    assert seconds < BOUND
    found = [v.text for v in report.violations if v.rule == "no-placeholders"]
    assert placeholder in found


def test_figures_among_thousands_of_amounts_are_still_checked(case: Case) -> None:
    text = (
        "Walt,\n\n" + "$36,000 in 2031. " * 3_000 + "We will give you a 12,500 USD credit.\n\nSam"
    )
    report, seconds = _timed(lambda: check_text("email", text, case))
    assert seconds < BOUND
    found = [v.text for v in report.violations if v.rule == "no-invented-facts"]
    assert found == ["2031", "12,500 USD", "credit"]


def test_many_excuses_in_one_long_sentence_are_each_reported_once(case: Case) -> None:
    text = "Walt,\n\n" + "down to him and unfortunately a discount, " * 2_000 + "\n\nSam"
    report, seconds = _timed(lambda: check_text("email", text, case))
    assert seconds < BOUND
    excuses = [v.text for v in report.violations if v.rule == "no-excuses"]
    assert excuses == ["down to him", "unfortunately"]
    assert [v.text for v in report.violations if v.rule == "no-selling"] == ["discount"]


def test_a_model_reply_with_60_kb_of_dashes_is_cleaned_rendered_and_checked_quickly(
    case: Case,
) -> None:
    field = "-" * 60_000
    reply = {"failure": "We missed deliveries.", "impact": "  Weekend\n\n  shortages. "}

    def model_path() -> Report:
        draft = EmailDraft(
            subject="We got it wrong",
            greeting="Walt",
            failures=[reply],
            ownership="We own it.",
            changes=[],
            gesture="",
            pledge=field,
            ask="Ten minutes at your shop?",
            sign_off="Kind regards",
        )
        assert draft.failures[0].impact == "Weekend shortages."
        return check_draft(draft.to_draft(case), case)

    report, seconds = _timed(model_path)
    assert seconds < 3 * BOUND
    assert not report.ok


def test_schema_cleaning_collapses_a_huge_field_in_bounded_time() -> None:
    field = " \n\t".join(["word"] * 100_000)
    reply, seconds = _timed(
        lambda: EscalationDraft(
            title="t",
            situation=field,
            failures=[field],
            value="v",
            needs=[],
            decision="d",
            recommendation="recover",
            reason="r",
        )
    )
    assert seconds < BOUND
    assert reply.situation == " ".join(["word"] * 100_000)
