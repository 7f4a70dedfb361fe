"""The repository on its own: example cases, docs and README that work without ../shared."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from drafter.case import FIELD_NAMES
from drafter.casefile import load_case
from drafter.cli import cli
from drafter.resources import example_summary, examples

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = examples()


def _fenced(text: str, lang: str) -> list[str]:
    """The bodies of the ```lang blocks of a Markdown text, in order."""
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.DOTALL)


def test_examples_cover_every_situation_the_format_has() -> None:
    cases = [load_case(str(path)) for path in EXAMPLES.values()]
    assert {case.situation for case in cases} == {"incident", "lost", "deal", "personal"}
    assert any(case.inherited for case in cases)
    assert any(case.meeting for case in cases)
    assert any(case.after_meeting and case.after_meeting.agreed for case in cases)
    assert any(case.handover_to for case in cases if case.situation == "personal")
    assert all(example_summary(path) for path in EXAMPLES.values())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_drafts_and_passes_the_method_checks(name: str, tmp_path: Path) -> None:
    case = str(EXAMPLES[name])
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", case])
    assert result.exit_code == 0, result.output
    for kind in ("email", "agenda", "escalation"):
        out = tmp_path / f"{kind}.txt"
        drafted = runner.invoke(cli, [kind, case, "--mode", "templates", "-o", str(out)])
        assert drafted.exit_code == 0, drafted.output
        checked = runner.invoke(cli, ["check", str(out), "--case", case])
        assert checked.exit_code == 0, checked.output


def test_init_lists_the_examples_with_a_line_each() -> None:
    result = CliRunner().invoke(cli, ["init", "--list-examples"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(EXAMPLES)
    for line, (name, path) in zip(lines, EXAMPLES.items(), strict=True):
        assert line.startswith(name) and line.endswith(example_summary(path))


def test_init_writes_an_example_and_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "case.yaml"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--example", "warehouse-deal", str(target)]).exit_code == 0
    assert target.read_bytes() == EXAMPLES["warehouse-deal"].read_bytes()

    refused = runner.invoke(cli, ["init", "--example", "school-handover", str(target)])
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert target.read_bytes() == EXAMPLES["warehouse-deal"].read_bytes()

    forced = ["init", "--example", "school-handover", str(target), "--force"]
    assert runner.invoke(cli, forced).exit_code == 0
    assert target.read_bytes() == EXAMPLES["school-handover"].read_bytes()


def test_init_names_the_examples_when_one_is_misspelt(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", "--example", "late-pay", str(tmp_path / "c.yaml")])
    assert result.exit_code == 2
    assert "late-payroll" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "c.yaml").exists()


def test_readme_quick_start_runs_and_prints_what_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick start's drafter commands, run as written in an empty folder, print the
    README's example output byte for byte."""
    command = next(block for block in _fenced(README, "sh") if "drafter email" in block)
    steps = [shlex.split(step) for step in command.strip().split(" && ")]
    drafter_steps = [step[1:] for step in steps if step[0] == "drafter"]
    assert [step[:2] for step in drafter_steps] == [
        ["init", "--example"],
        ["email", "example.yaml"],
    ]
    monkeypatch.chdir(tmp_path)
    results = [CliRunner().invoke(cli, step) for step in drafter_steps]
    assert [r.exit_code for r in results] == [0, 0]
    assert results[-1].stdout == _fenced(README, "text")[0]


def test_readme_and_docs_link_only_to_files_in_the_repository() -> None:
    docs = sorted((ROOT / "docs").glob("*.md"))
    assert {p.name for p in docs} >= {"method.md", "case-format.md"}
    for page in [ROOT / "README.md", *docs]:
        text = page.read_text(encoding="utf-8")
        assert "CASE_FORMAT.md" not in text and "METHOD.md" not in text
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if not target.startswith(("http://", "https://")):
                assert (page.parent / target).is_file(), f"{page.name} links to {target}"


def test_case_format_doc_names_every_field_and_its_example_is_valid(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "case-format.md").read_text(encoding="utf-8")
    for model, fields in FIELD_NAMES.items():
        for field in fields:
            assert f"`{field}`" in doc, f"docs/case-format.md does not describe {model}.{field}"
    example = tmp_path / "example.yaml"
    example.write_text(_fenced(doc, "yaml")[0], encoding="utf-8")
    case = load_case(str(example))
    assert case.version == 2 and case.meeting and case.escalation and case.escalation.cost


def test_without_the_shared_folder_its_test_modules_skip_with_the_reason(tmp_path: Path) -> None:
    """A clone with nothing beside it: a module that looks up the shared cases at import, or
    imports one that does, is reported as skipped, with the reason, instead of breaking
    collection."""
    clone = tmp_path / "clone"
    (clone / "tests").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "conftest.py", clone / "tests" / "conftest.py")
    (clone / "tests" / "__init__.py").write_text("", encoding="utf-8")
    name = "shared_cases".upper()  # spelt so this module is not itself taken for such a module
    (clone / "tests" / "test_uses_shared.py").write_text(
        textwrap.dedent(f"""\
            from tests.conftest import {name}
            FIRST = next(p for p in {name} if p.stem == "anything")
            def test_first() -> None:
                assert FIRST
            """),
        encoding="utf-8",
    )
    (clone / "tests" / "test_via.py").write_text(
        "from tests.test_uses_shared import FIRST\n", encoding="utf-8"
    )
    (clone / "tests" / "test_plain.py").write_text(
        "def test_plain() -> None:\n    assert True\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 2 skipped" in result.stdout
    for module in ("test_uses_shared.py", "test_via.py"):
        assert f"{module} needs the specification's shared material" in result.stdout
