"""The ``response_format`` of a structured-output request, built from ``SCHEMAS`` here.

OpenAI's strict mode wants every object closed (``additionalProperties: false``), every
property required, no ``null`` defaults and no ``$ref`` beside other keys; this is the same
transformation the openai client applies, so request bodies (and recorded cassettes) match.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from drafter.drafts import Kind
from drafter.schemas import SCHEMAS


def response_format(kind: Kind) -> dict[str, Any]:
    """The ``response_format`` for ``kind``; a fresh copy."""
    return json.loads(response_format_json(kind))  # type: ignore[no-any-return]


@cache
def response_format_json(kind: Kind) -> str:
    """The ``response_format`` as JSON text (built once per kind and process: milliseconds)."""
    model = SCHEMAS[kind]
    schema = model.model_json_schema()
    param = {
        "type": "json_schema",
        "json_schema": {"schema": _strict(schema, schema), "name": model.__name__, "strict": True},
    }
    return json.dumps(param)


def _strict(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """``node`` made strict in place (definitions, properties, items, unions, single
    ``allOf``, ``null`` defaults, ``$ref`` with siblings), in the openai client's order."""
    for group in ("$defs", "definitions"):
        for definition in (node.get(group) or {}).values():
            _strict(definition, root)
    if node.get("type") == "object" and "additionalProperties" not in node:
        node["additionalProperties"] = False
    properties = node.get("properties")
    if isinstance(properties, dict):
        node["required"] = list(properties)
        node["properties"] = {key: _strict(value, root) for key, value in properties.items()}
    if isinstance(node.get("items"), dict):
        node["items"] = _strict(node["items"], root)
    if isinstance(node.get("anyOf"), list):
        node["anyOf"] = [_strict(variant, root) for variant in node["anyOf"]]
    all_of = node.get("allOf")
    if isinstance(all_of, list):
        if len(all_of) == 1:
            node.update(_strict(all_of[0], root))
            node.pop("allOf")
        else:
            node["allOf"] = [_strict(entry, root) for entry in all_of]
    if "default" in node and node["default"] is None:
        node.pop("default")
    ref = node.get("$ref")
    if ref and len(node) > 1:
        target: Any = root
        for key in ref.removeprefix("#/").split("/"):
            target = target[key]
        node.update({**target, **node})
        node.pop("$ref")
        return _strict(node, root)
    return node
