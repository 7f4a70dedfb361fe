"""drafter builds the strict ``response_format`` itself: byte for byte what the openai
client's own (private) ``type_to_response_format_param`` makes, so recorded request bodies
still match."""

from __future__ import annotations

import json

import pytest

from drafter.drafts import KINDS, Kind
from drafter.llm.schema import response_format, response_format_json
from drafter.schemas import SCHEMAS


@pytest.mark.parametrize("kind", KINDS)
def test_the_response_format_is_the_openai_clients(kind: Kind) -> None:
    from openai.lib._parsing._completions import type_to_response_format_param

    theirs = type_to_response_format_param(SCHEMAS[kind])
    assert response_format_json(kind) == json.dumps(theirs)
    assert response_format(kind) == theirs and response_format(kind) is not response_format(kind)
