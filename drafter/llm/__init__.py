"""Draft with a language model, held to the recovery method, with the template as safety net.

The model loop is :func:`draft` (:mod:`drafter.llm.loop`); the provider seam is
:mod:`drafter.llm.provider`, OpenAI its first implementation (:mod:`drafter.llm.openai_api`,
under the request budget of :mod:`drafter.llm.budget`); the messages come from
:mod:`drafter.llm.prompts` and the strict schema from :mod:`drafter.llm.schema`. The settings
are :class:`drafter.settings.LLMSettings`. ``openai`` (and so ``httpx2``) and ``tiktoken``
are imported only inside the functions that call them.
"""

from drafter.llm.budget import MAX_REPLY_BYTES
from drafter.llm.loop import LLMError, Outcome, draft
from drafter.llm.openai_api import make_client
from drafter.llm.provider import Usage
from drafter.settings import LLMSettings

__all__ = ["MAX_REPLY_BYTES", "LLMError", "LLMSettings", "Outcome", "Usage", "draft", "make_client"]
