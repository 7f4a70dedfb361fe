"""Token counting (tiktoken, offline cache), prompt trimming, price table and dry runs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from drafter import llm, tokens
from drafter.case import Case
from drafter.casefile import load_case
from drafter.drafts import Kind
from drafter.errors import InputError
from drafter.llm import preview, prompts
from drafter.llm.schema import response_format
from tests.conftest import SHARED, SHARED_CASES

HOSPITAL = SHARED / "cases" / "hospital-overstock.yaml"
LOCAL = "qwen2.5-coder-0.5b-instruct"

needs_cache = pytest.mark.skipif(
    not Path(os.environ.get("TIKTOKEN_CACHE_DIR", "/nonexistent")).is_dir(),
    reason="tiktoken's offline cache (../shared/tiktoken) is not available",
)


@pytest.fixture(autouse=True)
def _fresh_encodings() -> Iterator[None]:
    tokens._load_encoding.cache_clear()
    yield
    tokens._load_encoding.cache_clear()


@needs_cache
def test_known_models_use_their_encoding() -> None:
    assert tokens.count_text("hello world", "gpt-4o") == tokens.TokenCount(2, "o200k_base")
    assert tokens.count_text("hello world", "gpt-4").encoding == "cl100k_base"


@needs_cache
def test_unknown_model_falls_back_to_o200k_base() -> None:
    count = tokens.count_text("hello world", LOCAL)
    assert count == tokens.TokenCount(2, "o200k_base")
    assert count.warning is None


def test_no_encoding_at_all_gives_a_flagged_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline without a cache, tiktoken cannot fetch its files: estimate, and say so."""
    import tiktoken

    def offline(*args: object, **kwargs: object) -> None:
        raise ConnectionError("network is unreachable")

    monkeypatch.setattr(tiktoken, "encoding_for_model", offline)
    monkeypatch.setattr(tiktoken, "get_encoding", offline)
    count = tokens.count_text("x" * 41, "gpt-4o")
    assert count == tokens.TokenCount(11, "estimate", estimated=True)
    assert count.warning is not None and "estimate" in count.warning
    case = load_case(str(HOSPITAL))
    messages = prompts.build_messages("email", case)
    budget = tokens.at_most(messages, extra=json.dumps(response_format("email"))) - 1
    prepared = prompts.prepare(
        "email", case, llm.LLMSettings(model="gpt-4o", max_prompt_tokens=budget)
    )
    assert prepared.notices == (count.warning,)
    assert prompts.count_prompt("email", messages, "gpt-4o").estimated


def test_a_prompt_that_obviously_fits_is_never_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a budget, or far under one, drafting does not load tiktoken (0.6 s) at all."""

    def no_counting(text: str, model: str) -> None:
        raise AssertionError(f"tokens counted for {model}")

    monkeypatch.setattr(tokens, "count_text", no_counting)
    case = load_case(str(HOSPITAL))
    for budget in (None, 100_000):
        settings = llm.LLMSettings(model="gpt-4o", max_prompt_tokens=budget)
        prepared = prompts.prepare("agenda", case, settings)
        assert prepared.messages == prompts.build_messages("agenda", case)
        assert prepared.notices == ()


@needs_cache
@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4", LOCAL])
def test_byte_bound_is_never_below_the_real_count(model: str) -> None:
    for path in SHARED_CASES:
        case = load_case(str(path))
        for kind in ("email", "agenda", "escalation"):
            messages = prompts.build_messages(kind, case)
            real = prompts.count_prompt(kind, messages, model).tokens
            schema = json.dumps(response_format(kind))
            assert real <= tokens.at_most(messages, extra=schema) < 6 * real


@needs_cache
def test_messages_count_includes_per_message_overhead() -> None:
    messages = [{"role": "system", "content": "hello world"}, {"role": "user", "content": "hi"}]
    count = tokens.count_messages(messages, "gpt-4o")
    assert count.tokens == 2 + 1 + 2 * tokens.TOKENS_PER_MESSAGE + tokens.TOKENS_PER_REPLY
    with_schema = tokens.count_messages(messages, "gpt-4o", extra="hello world")
    assert with_schema.tokens == count.tokens + 2


@pytest.mark.parametrize(
    ("model", "price"),
    [
        ("gpt-4o", tokens.Price(2.50, 10.00)),
        ("gpt-4o-2024-08-06", tokens.Price(2.50, 10.00)),
        ("gpt-4o-mini", tokens.Price(0.15, 0.60)),
        ("gpt-4.1-mini-2025-04-14", tokens.Price(0.40, 1.60)),
        ("gpt-5-mini", tokens.Price(0.25, 2.00)),
        ("gpt-4.1-nano", None),
        (LOCAL, None),
    ],
)
def test_price_table(model: str, price: tokens.Price | None) -> None:
    assert tokens.price_for(model) == price


def test_cost_is_an_estimate_or_unknown_never_zero() -> None:
    assert tokens.estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert tokens.estimate_cost(LOCAL, 1000, 1000) is None
    assert "unknown" in tokens.format_cost(None, LOCAL)
    assert "estimate" in tokens.format_cost(0.000214, "gpt-4o")
    assert tokens.usd(0.000214) == "$0.000214"


def _count(kind: Kind, prepared: prompts.Prepared) -> int:
    return prompts.count_prompt(kind, prepared.messages, "gpt-4o").tokens


def _long_case() -> Case:
    case = load_case(str(HOSPITAL))
    words = " ".join(f"complaint{i} about the late stapler reloads." for i in range(400))
    vas = case.value_at_stake.model_copy(update={"notes": "Group potential. " * 200})
    return case.model_copy(update={"customer_words": words, "value_at_stake": vas})


@needs_cache
def test_fit_case_trims_customer_words_first_and_says_so() -> None:
    case = _long_case()
    settings = llm.LLMSettings(model="gpt-4o")
    full = _count("escalation", prompts.prepare("escalation", case, settings))
    budget = full - 500
    prepared = prompts.prepare(
        "escalation", case, llm.LLMSettings(model="gpt-4o", max_prompt_tokens=budget)
    )
    assert _count("escalation", prepared) <= budget
    assert len(prepared.notices) == 1
    assert "customer_words cut from" in prepared.notices[0]
    assert f"max_prompt_tokens ({budget:,})" in prepared.notices[0]
    assert "[…]" in prepared.messages[1]["content"]
    assert "Group potential. Group potential." in prepared.messages[1]["content"]


@needs_cache
def test_fit_case_then_trims_notes() -> None:
    case = _long_case()
    without_words = case.model_copy(update={"customer_words": None})
    settings = llm.LLMSettings(model="gpt-4o")
    budget = _count("escalation", prompts.prepare("escalation", without_words, settings)) - 300
    prepared = prompts.prepare(
        "escalation", case, llm.LLMSettings(model="gpt-4o", max_prompt_tokens=budget)
    )
    assert _count("escalation", prepared) <= budget
    assert len(prepared.notices) == 2
    assert prepared.notices[0].endswith(": customer_words left out")
    assert "value_at_stake.notes cut from" in prepared.notices[1]
    assert "\n<customer_words>\n" not in prepared.messages[1]["content"]


def test_prompt_that_cannot_fit_is_a_clear_input_error() -> None:
    case = _long_case()
    with pytest.raises(tokens.PromptTooLong) as err:
        prompts.prepare("email", case, llm.LLMSettings(model="gpt-4o", max_prompt_tokens=50))
    assert isinstance(err.value, InputError)
    assert "more than max_prompt_tokens (50)" in str(err.value)


def test_fit_case_leaves_a_case_that_fits_alone() -> None:
    case = load_case(str(HOSPITAL))
    assert tokens.fit_case(case, 10_000, lambda c: 100) == (case, [])


def test_dry_run_prints_messages_tokens_and_cost_and_sends_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import openai

    def no_client(*args: object, **kwargs: object) -> None:
        raise AssertionError("dry run must not build a client")

    monkeypatch.setattr(openai, "OpenAI", no_client)
    case = load_case(str(HOSPITAL))
    settings = llm.LLMSettings(model="gpt-4o-mini", temperature=0.2, seed=3)
    text = preview.dry_run("email", case, settings)
    prepared = prompts.prepare("email", case, settings)
    assert prepared.messages[0]["content"] in text
    assert prepared.messages[1]["content"] in text
    count = prompts.count_prompt("email", prepared.messages, "gpt-4o-mini")
    assert f"{count.tokens:,} tokens ({count.encoding}" in text
    assert "estimated cost: $" in text and "nothing sent" in text
    assert '"name": "EmailDraft"' in text
    assert '"seed": 3' in text
    local = preview.dry_run(
        "email", case, llm.LLMSettings(model=LOCAL, base_url="http://127.0.0.1:1/v1")
    )
    assert f"cost unknown (no price on file for '{LOCAL}')" in local
