"""Count prompt tokens, fit a case into a token budget, and estimate what a call costs.

``tiktoken`` is imported only when something is counted, so the offline template path never
loads it. Counting never fails: a model tiktoken does not know is counted with
``o200k_base``, and if no encoding can be loaded at all (no network, no cache) the count is
an estimate of about four characters per token, flagged ``estimated`` so callers can warn.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from drafter.case import Case
from drafter.errors import InputError

if TYPE_CHECKING:
    import tiktoken

FALLBACK_ENCODING = "o200k_base"
CHARS_PER_TOKEN = 4
"""Rough English average, used only when no tiktoken encoding can be loaded."""

TOKENS_PER_MESSAGE = 3
"""Chat-format overhead per message (role and separators), as OpenAI's cookbook counts it."""
TOKENS_PER_REPLY = 3
"""Every reply is primed with ``<|start|>assistant<|message|>``."""


@dataclass(frozen=True)
class TokenCount:
    """How many tokens some text takes, with which encoding, and whether it is a guess."""

    tokens: int
    encoding: str
    estimated: bool = False

    @property
    def warning(self) -> str | None:
        """A notice for stderr when the count is only an estimate."""
        if not self.estimated:
            return None
        return (
            f"no tiktoken encoding could be loaded; token counts are estimates "
            f"(~{CHARS_PER_TOKEN} characters a token)"
        )


@dataclass(frozen=True)
class Price:
    """USD per one million tokens."""

    input: float
    output: float


PRICES_AS_OF = "2025-08"
PRICES: dict[str, Price] = {
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
}
"""ESTIMATES of OpenAI list prices (standard tier, uncached input), as published around
``PRICES_AS_OF``. Prices change: treat every cost drafter prints as an estimate. Models not
listed here (local servers, other providers) have no known cost, never a guessed one."""

_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")


_LOADING = threading.Lock()


def _encoding(model: str) -> tiktoken.Encoding | None:
    """The tiktoken encoding for ``model``, loaded once even when many threads ask at once."""
    with _LOADING:
        return _load_encoding(model)


@cache
def _load_encoding(model: str) -> tiktoken.Encoding | None:
    """The tiktoken encoding for ``model``; ``o200k_base`` if unknown; ``None`` if none loads."""
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        return tiktoken.encoding_for_model(model)
    except KeyError:
        pass
    except Exception:
        return None
    try:
        return tiktoken.get_encoding(FALLBACK_ENCODING)
    except Exception:
        # tiktoken downloads its rank files on first use; offline without a cache
        # (TIKTOKEN_CACHE_DIR) that fails with a network, file or hash error.
        return None


def count_text(text: str, model: str) -> TokenCount:
    """Tokens in ``text`` as ``model`` would count them."""
    enc = _encoding(model)
    if enc is None:
        return TokenCount(-(-len(text) // CHARS_PER_TOKEN), "estimate", estimated=True)
    return TokenCount(len(enc.encode(text, disallowed_special=())), enc.name)


def count_messages(
    messages: Iterable[Mapping[str, str]], model: str, extra: str = ""
) -> TokenCount:
    """Tokens a chat request's messages take, with per-message overhead, plus ``extra`` text
    sent alongside them (e.g. the response-format JSON schema)."""
    total, encoding, estimated = TOKENS_PER_REPLY, FALLBACK_ENCODING, False
    for message in messages:
        count = count_text(message.get("content", ""), model)
        total += TOKENS_PER_MESSAGE + count.tokens
        encoding, estimated = count.encoding, estimated or count.estimated
    if extra:
        count = count_text(extra, model)
        total += count.tokens
        encoding, estimated = count.encoding, estimated or count.estimated
    return TokenCount(total, encoding, estimated)


def at_most(messages: Iterable[Mapping[str, str]], extra: str = "") -> int:
    """An upper bound on :func:`count_messages` for any model, without loading an encoding:
    every token of a byte-level BPE (and every estimated one) covers at least one byte."""
    texts = [message.get("content", "") for message in messages]
    size = sum(len(text.encode()) for text in (*texts, extra))
    return TOKENS_PER_REPLY + TOKENS_PER_MESSAGE * len(texts) + size


def price_for(model: str) -> Price | None:
    """The price-table entry for ``model`` (``gpt-4o-2024-08-06`` counts as ``gpt-4o``)."""
    return PRICES.get(_DATED.sub("", model))


BATCH_PRICE = 0.5
"""The fraction of the standard price the OpenAI Batch API bills."""


def estimate_cost(
    model: str, prompt_tokens: int, completion_tokens: int, *, batch: bool = False
) -> float | None:
    """Estimated USD cost of calls (through the Batch API with ``batch``), or ``None`` when
    the model's price is unknown."""
    price = price_for(model)
    if price is None:
        return None
    cost = (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000
    return cost * BATCH_PRICE if batch else cost


def format_cost(cost: float | None, model: str) -> str:
    """``$0.0012 (estimate)``, or why there is no figure."""
    if cost is None:
        return f"cost unknown (no price on file for {model!r})"
    return f"{usd(cost)} (estimate, prices as of {PRICES_AS_OF})"


def usd(amount: float) -> str:
    """``$0.000214`` for tiny amounts, ``$1.2346`` otherwise."""
    return f"${amount:.6f}" if amount < 0.01 else f"${amount:.4f}"


TRIM_MARK = " […]"
TRIMMABLE = ("customer_words", "value_at_stake.notes")
"""Free-text fields shortened, in this order, to fit a prompt budget."""


class PromptTooLong(InputError):
    """The prompt does not fit the budget even with every trimmable field removed (exit 2)."""

    def __init__(self, tokens: int, budget: int) -> None:
        self.tokens, self.budget = tokens, budget
        fields = " and ".join(TRIMMABLE)
        super().__init__(
            f"the prompt needs {tokens:,} tokens, more than max_prompt_tokens ({budget:,}) "
            f"even with {fields} removed"
        )


def _get(case: Case, field: str) -> str | None:
    if field == "customer_words":
        return case.customer_words
    return case.value_at_stake.notes


def _set(case: Case, field: str, value: str | None) -> Case:
    if field == "customer_words":
        return case.model_copy(update={"customer_words": value})
    vas = case.value_at_stake.model_copy(update={"notes": value})
    return case.model_copy(update={"value_at_stake": vas})


def fit_case(case: Case, budget: int, count: Callable[[Case], int]) -> tuple[Case, list[str]]:
    """Shorten long free text until ``count(case) <= budget``: ``customer_words`` first,
    then the value notes, keeping each one's beginning and marking the cut with ``[…]``.

    Returns the (possibly) shortened case and one notice per field cut; raises
    :class:`PromptTooLong` if even removing them all is not enough.
    """
    notices: list[str] = []
    needed = count(case)
    if needed <= budget:
        return case, notices
    original = needed
    for field in TRIMMABLE:
        text = _get(case, field)
        if not text:
            continue
        words = text.split(" ")
        # Largest number of leading words that fits (0 = drop the field altogether).
        lo, hi = 0, len(words) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count(_set(case, field, " ".join(words[:mid]).rstrip() + TRIM_MARK)) <= budget:
                lo = mid
            else:
                hi = mid - 1
        kept = " ".join(words[:lo]).rstrip()
        case = _set(case, field, kept + TRIM_MARK if kept else None)
        how = f"cut from {len(text):,} to {len(kept):,} characters" if kept else "left out"
        notices.append(
            f"the prompt was {original:,} tokens, over max_prompt_tokens ({budget:,}): "
            f"{field} {how}"
        )
        needed = count(case)
        if needed <= budget:
            return case, notices
    raise PromptTooLong(needed, budget)
