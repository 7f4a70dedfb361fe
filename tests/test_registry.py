"""The artifact registry is complete: every artifact has its templates, prompts, schema and
rules, so a half-added artifact fails here rather than at a user's command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from drafter.artifacts import ARTIFACTS, KINDS, artifact
from drafter.case import Case
from drafter.casefile import load_case
from drafter.checks import RULES, check_draft
from drafter.checks.rulebook import RULEBOOK, rules_for
from drafter.llm.prompts import system_prompt, user_prompt
from drafter.render import FILTERS, RenderOptions, render
from drafter.resources import resource_dir
from drafter.schemas import ModelDraft

EXAMPLES = Path(__file__).resolve().parents[1] / "drafter" / "examples"
ALWAYS = ("failures-named", "no-excuses", "no-invented-facts", "no-placeholders", "length")
"""Rules no artifact may go without."""


def test_registry_is_ordered_and_named_by_kind() -> None:
    assert KINDS[:3] == ("email", "agenda", "escalation")
    assert [a.order for a in ARTIFACTS.values()] == sorted(a.order for a in ARTIFACTS.values())
    assert len({a.order for a in ARTIFACTS.values()}) == len(KINDS)
    for kind, found in ARTIFACTS.items():
        assert found.kind == kind and artifact(kind) is found
        assert found.title and found.help.endswith(".")
        assert 0 <= found.words[0] < found.words[1]


def example_for(kind: str) -> Case:
    """The first example case with material for ``kind`` (a follow-up needs after_meeting)."""
    cases = (load_case(str(p)) for p in sorted(EXAMPLES.glob("*.yaml")))
    return next(c for c in cases if artifact(kind).drafts_from(c))


@pytest.mark.parametrize("kind", KINDS)
def test_every_artifact_has_its_templates_and_prompts(kind: str) -> None:
    found = artifact(kind)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(resource_dir("templates"))))
    env.filters.update(FILTERS)
    for name in (found.template, found.model_template):
        blocks = env.get_template(name).blocks
        assert {"subject", "body"} <= set(blocks), name
    assert (resource_dir("prompts") / found.system_prompt).is_file()
    case = example_for(kind)
    assert found.title in user_prompt(kind, case)
    assert system_prompt(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_every_artifact_has_its_schema(kind: str) -> None:
    model = artifact(kind).model()
    assert issubclass(model, ModelDraft) and model.kind == kind


@pytest.mark.parametrize("kind", KINDS)
def test_every_artifact_has_its_rules_and_its_template_passes_them(kind: str) -> None:
    ids = [r.rule_id for r in rules_for(kind)]
    assert set(ALWAYS) <= set(ids)
    assert ids == [r for r in RULEBOOK if r in ids]  # report order is declaration order
    case = example_for(kind)
    report = check_draft(render(kind, case, RenderOptions()), case)
    assert report.rules_run == tuple(ids) and report.ok


def test_every_rule_applies_somewhere_and_is_declared_once() -> None:
    assert set(RULES) == set(RULEBOOK)
    for rule_id in RULEBOOK:
        assert any(rule_id in [r.rule_id for r in rules_for(kind)] for kind in KINDS), rule_id


def test_the_registry_is_cheap_to_import() -> None:
    code = (
        "import sys, drafter.artifacts\n"
        "heavy = ('pydantic', 'jinja2', 'drafter.schemas', 'drafter.checks', 'drafter.case')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
