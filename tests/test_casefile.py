"""Case files: every shared case loads; every kind of bad input is one clear error, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from drafter.casefile import MAX_BYTES, CaseFileError, load_case, parse_case
from drafter.cli import cli
from tests.conftest import SHARED_CASES

GOOD = """\
account: Harbor Street Bakeries
customer:
  name: Walt Brennan
sender:
  name: Sam Ortiz
  company: Golden Mill Supply
what_went_wrong:
  - issue: We never kept a delivery date.
what_changed: []
value_at_stake:
  annual_value: 36000
"""


def test_shared_cases_exist() -> None:
    assert len(SHARED_CASES) >= 5


@pytest.mark.parametrize("path", SHARED_CASES, ids=lambda p: p.stem)
def test_every_shared_case_loads(path: Path) -> None:
    case = load_case(str(path))
    assert case.what_went_wrong
    assert case.sender.company


def test_yaml_yes_means_yes_for_management_support() -> None:
    case = parse_case(GOOD + "escalation:\n  management_support: yes\n", "t.yaml")
    assert case.escalation is not None
    assert case.escalation.management_support == "yes"


def test_defaults_fill_missing_sender_but_case_wins() -> None:
    no_sender = GOOD.replace("sender:\n  name: Sam Ortiz\n  company: Golden Mill Supply\n", "")
    defaults = {"sender": {"name": "Cfg Person", "company": "Cfg Co"}, "tone": "direct"}
    assert parse_case(no_sender, "t.yaml", defaults).sender.name == "Cfg Person"
    case = parse_case(GOOD + "tone: formal\n", "t.yaml", defaults)
    assert (case.sender.name, case.tone) == ("Sam Ortiz", "formal")


def _error(text: str | bytes, tmp_path: Path) -> str:
    path = tmp_path / "case.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    with pytest.raises(CaseFileError) as info:
        load_case(str(path))
    return str(info.value)


BAD = {
    "typo key": (
        GOOD.replace("  name: Walt Brennan", "  nmae: Walt Brennan"),
        ["line 3", "customer.nmae", "did you mean `name`"],
    ),
    "missing field": (
        GOOD.replace("account: Harbor Street Bakeries\n", ""),
        ["field `account` is required"],
    ),
    "wrong type": (
        GOOD.replace("annual_value: 36000", "annual_value: [1, 2]"),
        ["line 11", "value_at_stake.annual_value", "number"],
    ),
    "bad date": (
        GOOD + "escalation:\n  decide_by: 2026-02-30\n",
        ["line 13", "escalation.decide_by", "not a real date"],
    ),
    "non-iso date": (
        GOOD + "escalation:\n  decide_by: 5 Dec 2026\n",
        ["line 13", "escalation.decide_by", "YYYY-MM-DD"],
    ),
    "bad enum": (GOOD + "tone: cheerful\n", ["line 12", "`tone`", "'warm', 'formal' or 'direct'"]),
    "empty list": (
        GOOD.replace("  - issue: We never kept a delivery date.\n", "").replace(
            "what_went_wrong:\n", "what_went_wrong: []\n"
        ),
        ["line 7", "what_went_wrong", "at least 1"],
    ),
    "yaml syntax": (GOOD.replace("  name: Walt Brennan", "  name: [Walt"), ["not valid YAML"]),
    "empty file": ("", ["is empty", "drafter init"]),
    "comments only": ("# nothing here\n", ["is empty"]),
    "top-level list": ("- account: x\n", ["line 1", "top level is a list"]),
    "top-level scalar": ("just words\n", ["top level is a single value"]),
    "python tag": (
        GOOD + "x: !!python/object/apply:os.system ['echo hi']\n",
        ["line 12", "YAML tags", "not allowed"],
    ),
    "duplicate key": (GOOD + "account: Other\n", ["line 12", "`account` appears twice"]),
    "multiline name": (
        GOOD.replace("  name: Walt Brennan", '  name: "Walt\\nBcc: x@y.z"'),
        ["customer.name", "line 3"],
    ),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_case_names_line_field_and_expectation(name: str, tmp_path: Path) -> None:
    text, expected = BAD[name]
    message = _error(text, tmp_path)
    assert str(tmp_path / "case.yaml") in message
    for fragment in expected:
        assert fragment in message, message


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    message = _error("\n".join(lines) + "\n", tmp_path)
    assert "expands to more than" in message


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    message = _error(GOOD.encode().replace(b"Walt", b"W\xe4lt"), tmp_path)
    assert "line 3" in message and "UTF-8" in message


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    message = _error(GOOD + "#" * MAX_BYTES, tmp_path)
    assert "larger than" in message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_case(str(path)).account == "Harbor Street Bakeries"


@pytest.mark.parametrize("name", ["typo key", "python tag", "empty file", "top-level list"])
def test_cli_bad_case_exits_2_without_traceback(name: str, tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(BAD[name][0], encoding="utf-8")
    result = CliRunner().invoke(cli, ["email", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("drafter: ")
    assert str(path) in result.output


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["email", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_validate_reports_each_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD["typo key"][0], encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(SHARED_CASES[0]), str(bad)])
    assert result.exit_code == 2
    assert f"{SHARED_CASES[0]}: ok" in result.output
    assert "did you mean `name`" in result.output


def test_case_from_stdin() -> None:
    result = CliRunner().invoke(cli, ["validate", "-"], input=GOOD)
    assert result.exit_code == 0, result.output
    assert "Harbor Street Bakeries" in result.output
