"""Hostile input files: alias bombs, YAML 1.1 number tricks, odd configs, .eml files, a held log."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from drafter.casefile import CaseFileError, parse_case
from drafter.cli import cli

GOOD = """\
account: Harbor Street Bakeries
customer:
  name: Walt Brennan
sender:
  name: Sam Ortiz
  company: Golden Mill Supply
what_went_wrong:
  - issue: We never kept a delivery date.
what_changed:
  - change: Deliveries now run on fixed Tuesday and Friday slots.
value_at_stake:
  annual_value: 36000
"""


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Exit code and combined output of ``drafter ARGS``."""
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- YAML --------------------------------------------------------------------------------------


def test_one_long_text_aliased_thousands_of_times_is_refused_quickly(tmp_path: Path) -> None:
    bomb = GOOD.replace("account: Harbor", "words: &w " + "x" * 100_000 + "\naccount: Harbor")
    bomb += "give_first: [" + ", ".join(["*w"] * 3000) + "]\n"
    started = time.monotonic()
    code, out = run("email", write(tmp_path, bomb))
    assert code == 2
    assert "expands to more than 2 MB of text" in out
    assert time.monotonic() - started < 3


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    deep = GOOD + "give_first: " + "[" * 200 + "]" * 200 + "\n"
    code, out = run("validate", write(tmp_path, deep))
    assert code == 2
    assert "nested more than 50 levels deep" in out


@pytest.mark.parametrize(
    ("old", "new", "field", "expected"),
    [
        ("tone", "meeting:\n  when: 10:30\n", ("meeting", "when"), "10:30"),
        ("  company:", "  phone: 0123456\n  company:", ("sender", "phone"), "0123456"),
        ("Harbor Street Bakeries", "017", ("account",), "017"),
        ("date.\n", "date.\n    when: 2024-05-01\n", ("what_went_wrong", 0, "when"), "2024-05-01"),
        ("date.\n", "date.\n    when: 1.50\n", ("what_went_wrong", 0, "when"), "1.50"),
        ("tone", "competitor: 1e3\n", ("competitor",), "1e3"),
        ("tone", "competitor: 0x3A98\n", ("competitor",), "0x3A98"),
    ],
)
def test_text_fields_keep_exactly_what_the_file_says(
    old: str, new: str, field: tuple[str | int, ...], expected: str
) -> None:
    text = GOOD + new if old == "tone" else GOOD.replace(old, new, 1)
    found: object = parse_case(text, "case.yaml")
    for part in field:
        found = found[part] if isinstance(part, int) else getattr(found, part)  # type: ignore[index]
    assert found == expected


def test_text_in_a_yaml_11_number_form_prints_as_written(tmp_path: Path) -> None:
    text = GOOD.replace("account: Harbor Street Bakeries", "account: 017")
    code, out = run("escalation", write(tmp_path, text), "--mode", "templates")
    assert code == 0
    assert "017" in out and "Subject: 15" not in out


@pytest.mark.parametrize("written", ["0x3A98", "0o17", "1_000", "yes", "10:30", ".inf", "1e400"])
def test_numbers_accept_only_plain_decimal(written: str) -> None:
    with pytest.raises(CaseFileError) as err:
        parse_case(GOOD.replace("36000", written), "case.yaml")
    assert "line 12: field `value_at_stake.annual_value`" in str(err.value)


@pytest.mark.parametrize(("written", "value"), [("36000", 36000.0), ("2.5e4", 25000.0)])
def test_plain_decimal_numbers_still_work(written: str, value: float) -> None:
    assert parse_case(GOOD.replace("36000", written), "c").value_at_stake.annual_value == value


@pytest.mark.parametrize("written", ["true", "1.0", "two"])
def test_version_must_be_a_whole_number(written: str) -> None:
    with pytest.raises(CaseFileError) as err:
        parse_case(f"version: {written}\n" + GOOD, "case.yaml")
    assert "line 1: field `version`" in str(err.value)


@pytest.mark.parametrize(("key", "shown"), [("~", "`~`"), ("true", "`true`"), ("[a]", "a list")])
def test_a_key_that_is_not_text_is_named_with_its_line(key: str, shown: str) -> None:
    with pytest.raises(CaseFileError, match=f"line 13: {re.escape(shown)}.* cannot be a field"):
        parse_case(GOOD + f"{key}: 1\n", "case.yaml")


def test_explicit_number_tags_are_refused() -> None:
    with pytest.raises(CaseFileError, match="line 12: YAML tags such as `!!int`"):
        parse_case(GOOD.replace("36000", "!!int 0x3A98"), "case.yaml")


def test_a_4400_digit_integer_is_text_or_a_clear_error(tmp_path: Path) -> None:
    digits = "7" * 4400
    code, out = run("escalation", write(tmp_path, GOOD.replace("Harbor Street Bakeries", digits)))
    assert code == 0 and digits in out
    code, out = run("email", write(tmp_path, GOOD.replace("36000", digits)))
    assert code == 2 and "finite number" in out


# --- config ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            'tone = "warm"\n[sendr]\nname = "x"\n',
            "line 2, `sendr` is not a known setting; did you mean `sender`?",
        ),
        ("[llm]\ntimeout = inf\n", "line 2, `llm.timeout`"),
        ("[llm]\ntimeout = 1e9\n", "line 2, `llm.timeout`"),
        ("[llm]\nseed = " + "9" * 5000 + "\n", "a number has more than 4,300 digits"),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ],
)
def test_bad_config_gets_one_clear_message(tmp_path: Path, config: str, expected: str) -> None:
    config_path = write(tmp_path, config, "config.toml")
    code, out = run("email", write(tmp_path, GOOD), env={"DRAFTER_CONFIG": config_path})
    assert code == 2
    assert f"config file {config_path}: " in out and expected in out
    assert "Traceback" not in out


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "folder"])
def test_config_must_be_a_regular_file(tmp_path: Path, special: str) -> None:
    if special == "fifo":
        os.mkfifo(tmp_path / "fifo")
    elif special == "folder":
        (tmp_path / "folder").mkdir()
    target = special if special.startswith("/") else str(tmp_path / special)
    code, out = run("email", write(tmp_path, GOOD), env={"DRAFTER_CONFIG": target})
    assert code == 2
    assert "not a regular TOML file" in out


# --- drafts given to `drafter check` -----------------------------------------------------------

EML_HEAD = "From: a@b.example\nTo: c@d.example\nSubject: Sorry\nMIME-Version: 1.0\n"


def test_eml_with_an_unknown_charset_is_read_with_replacements(tmp_path: Path) -> None:
    eml = EML_HEAD + "Content-Type: text/plain; charset=x-unknown\n\nWalt, we got it wrong.\n"
    code, out = run("check", write(tmp_path, eml, "d.eml"), "--case", write(tmp_path, GOOD))
    assert code in (0, 1)  # the rules decide; the file was read
    assert "rules passed" in out


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ('Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n', "more than 100 multipart"),
        ("Content-Type: message/rfc822\n\n", "MIME parts are nested too deeply"),
    ],
)
def test_eml_nested_thousands_deep_is_a_quick_clear_error(
    tmp_path: Path, section: str, expected: str
) -> None:
    eml = EML_HEAD + "".join(section.format(i=i) for i in range(3000))
    eml += "Content-Type: text/plain\n\nWe got it wrong.\n"
    started = time.monotonic()
    code, out = run("check", write(tmp_path, eml, "d.eml"), "--case", write(tmp_path, GOOD))
    assert code == 2
    assert expected in out
    assert time.monotonic() - started < 3


# --- the history log ---------------------------------------------------------------------------


def test_a_held_history_log_costs_a_draft_little_time(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    env = {"DRAFTER_HISTORY": str(db)}
    case = write(tmp_path, GOOD)
    assert run("email", case, "--mode", "templates", env=env)[0] == 0  # creates the log
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        code, out = run("email", case, "--mode", "templates", env=env)
        waited = time.monotonic() - started
    finally:
        holder.close()
    assert code == 0
    assert "Subject:" in out
    assert "was not recorded in the history log" in out
    assert waited < 4


# --- validate ----------------------------------------------------------------------------------


def test_validate_takes_folders_and_globs_like_batch(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace("36000", "lots"), "b.yml")
    code, out = run("validate", str(tmp_path))
    assert code == 2
    assert "a.yaml: ok" in out and "b.yml: line 12" in out
    code, out = run("validate", str(tmp_path / "a.*"))
    assert code == 0 and "a.yaml: ok" in out


def test_validate_reports_a_spec_matching_nothing_and_goes_on(tmp_path: Path) -> None:
    code, out = run("validate", str(tmp_path / "nope.yaml"), write(tmp_path, GOOD))
    assert code == 2
    assert "nope.yaml: no such file" in out and "case.yaml: ok" in out


def test_dev_null_config_means_no_config(tmp_path: Path) -> None:
    code, out = run("email", write(tmp_path, GOOD), env={"DRAFTER_CONFIG": os.devnull})
    assert code == 0, out
    assert "Dear" in out or "," in out.splitlines()[0]
