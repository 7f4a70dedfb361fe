"""The command line as a user meets it: help, init, schema, config, overrides, start-up imports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from drafter import __version__
from drafter.cli import cli
from tests.conftest import SHARED_CASES

HOSPITAL = next(str(p) for p in SHARED_CASES if p.stem == "hospital-overstock")


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_help_teaches_with_examples_and_exit_codes() -> None:
    code, out = run("--help")
    assert code == 0
    for text in (
        "drafter init case.yaml",
        "drafter email case.yaml",
        "Exit codes:",
        "2  bad input",
    ):
        assert text in out
    code, out = run("email", "--help")
    assert "cat case.yaml | drafter email -" in out


def test_version() -> None:
    assert run("--version") == (0, f"drafter, version {__version__}\n")


def test_unknown_option_is_exit_2() -> None:
    code, out = run("email", HOSPITAL, "--format", "pdf")
    assert code == 2 and "pdf" in out


def test_init_writes_a_valid_starter_that_drafts(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    assert run("init", str(path))[0] == 0
    assert "# " in path.read_text(encoding="utf-8")  # commented for a first-time user
    code, out = run("validate", str(path))
    assert code == 0, out
    code, out = run("email", str(path))
    assert code == 0 and "Subject: " in out
    code, out = run("init", str(path))
    assert code == 2 and "--force" in out


def test_schema_describes_the_case_format() -> None:
    _, out = run("schema")
    schema = json.loads(out)
    assert {"account", "customer", "what_went_wrong", "tone"} <= set(schema["properties"])
    assert "sender" not in schema["required"]  # the config may supply it
    assert "account" in schema["required"]


def test_config_path_follows_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_CONFIG", str(tmp_path / "c.toml"))
    assert run("config", "path") == (0, f"{tmp_path / 'c.toml'}\n")


def _case_without_sender(tmp_path: Path) -> Path:
    text = Path(HOSPITAL).read_text(encoding="utf-8")
    start = text.index("sender:")
    end = text.index("inherited:")
    path = tmp_path / "nosender.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return path


def test_config_supplies_sender_and_signature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        'signature = """\nAlex Morgan\nRegional Director, Meridian\n+1 555 0199"""\n'
        '[sender]\nname = "Alex Morgan"\ncompany = "Meridian Medical Devices"\n'
        'email = "alex@meridian.example"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DRAFTER_CONFIG", str(cfg))
    case = _case_without_sender(tmp_path)
    code, out = run("email", str(case))
    assert code == 0, out
    assert "+1 555 0199" in out and "Regional Director, Meridian" in out
    code, out = run("config", "show")
    assert 'name = "Alex Morgan"' in out and "[sender]" in out


def test_missing_sender_without_config_says_how_to_fix(tmp_path: Path) -> None:
    code, out = run("email", str(_case_without_sender(tmp_path)))
    assert code == 2
    assert "`sender` is required" in out and "config" in out


def test_bad_config_is_exit_2_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('tone = "warm"\n[sender]\nnmae = "X"\ncompany = "Y"\n', encoding="utf-8")
    monkeypatch.setenv("DRAFTER_CONFIG", str(cfg))
    code, out = run("email", HOSPITAL)
    assert code == 2
    assert str(cfg) in out and "line 3" in out and "sender.nmae" in out
    cfg.write_text("tone = warm\n", encoding="utf-8")
    code, out = run("email", HOSPITAL)
    assert code == 2 and "not valid TOML" in out and "line 1" in out


def test_tone_override_changes_the_draft() -> None:
    _, warm = run("email", HOSPITAL)
    _, direct = run("email", HOSPITAL, "--tone", "direct")
    assert warm != direct


def test_user_templates_override_and_are_sandboxed(tmp_path: Path) -> None:
    (tmp_path / "email.j2").write_text(
        "{% block subject %}Custom for {{ case.account }}{% endblock %}"
        "{% block body %}Hello {{ case.customer.name }}{% endblock %}",
        encoding="utf-8",
    )
    code, out = run("email", HOSPITAL, "--templates", str(tmp_path))
    assert code == 0
    assert "Subject: Custom for Northwind Regional Hospital" in out
    code, out = run("agenda", HOSPITAL, "--templates", str(tmp_path))
    assert code == 0 and "Custom for" not in out  # falls back to the built-in agenda
    (tmp_path / "email.j2").write_text(
        "{% block subject %}x{% endblock %}"
        "{% block body %}{{ case.__class__.__init__.__globals__ }}{% endblock %}",
        encoding="utf-8",
    )
    code, out = run("email", HOSPITAL, "--templates", str(tmp_path))
    assert code == 2 and "unsafe" in out


def test_broken_user_template_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "email.j2").write_text(
        "{% block subject %}x{% endblock %}\n{% block body %}\n{% if %}\n{% endblock %}",
        encoding="utf-8",
    )
    code, out = run("email", HOSPITAL, "--templates", str(tmp_path))
    assert code == 2 and "email.j2" in out and "line 3" in out


def test_template_syntax_in_case_is_printed_literally(tmp_path: Path) -> None:
    text = (
        Path(HOSPITAL)
        .read_text(encoding="utf-8")
        .replace(
            "We sold your operating rooms", "We sold {{ 7*7 }} {% if true %}x{% endif %} rooms"
        )
    )
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    for kind in ("email", "agenda", "escalation"):
        code, out = run(kind, str(path))
        assert code == 0
        assert "{{ 7*7 }} {% if true %}x{% endif %}" in out
        assert "We sold 49" not in out and "49 x" not in out


def test_output_is_byte_identical_across_runs() -> None:
    for kind in ("email", "agenda", "escalation"):
        assert run(kind, HOSPITAL) == run(kind, HOSPITAL)


def test_auto_mode_says_it_drafts_from_templates_without_a_key() -> None:
    result = CliRunner().invoke(cli, ["email", HOSPITAL])
    assert result.exit_code == 0
    assert "drafting from templates" in result.stderr
    assert "drafting from templates" not in result.stdout
    quiet = CliRunner().invoke(cli, ["email", HOSPITAL, "--mode", "templates"])
    assert quiet.stderr == "" and quiet.stdout == result.stdout


def test_mode_llm_without_key_for_a_remote_server_is_exit_2() -> None:
    code, out = run("email", HOSPITAL, "--mode", "llm")
    assert code == 2
    assert "OPENAI_API_KEY" in out and "https://api.openai.com/v1" in out


def test_dry_run_prints_the_request_and_sends_nothing() -> None:
    code, out = run("email", HOSPITAL, "--dry-run", "--model", "gpt-4o")
    assert code == 0
    assert "nothing sent" in out and "gpt-4o" in out
    assert "Dana Whitfield" in out  # the case is in the user message
    assert "tokens" in out


OFFLINE_PROBE = """
import sys
from drafter.cli import cli
for fmt in ("text", "markdown", "json", "eml"):
    try:
        cli.main(["all", sys.argv[1], "-o", sys.argv[2] + "/" + fmt, "-f", fmt])
    except SystemExit as exc:
        assert exc.code == 0, exc.code
heavy = sorted(m for m in ("openai", "httpx", "httpx2", "tiktoken") if m in sys.modules)
print(",".join(heavy) or "none")
"""


def test_offline_path_imports_no_network_or_token_libraries(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE_PROBE, HOSPITAL, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "none"


def test_real_process_error_has_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "drafter", "email", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1  # one line, one paragraph


BAD_EMAIL = """Subject: Checking in

Hi Dana, unfortunately due to circumstances your order was wrong. To make up for it we can
offer a 20% discount on an upgrade. Can we talk? Or could you also send me your forecast?

Priya
"""


def test_check_passes_drafters_own_drafts(tmp_path: Path) -> None:
    for kind in ("email", "agenda", "escalation"):
        out = tmp_path / f"{kind}.md"
        assert run(kind, HOSPITAL, "-o", str(out))[0] == 0
        code, report = run("check", str(out), "--case", HOSPITAL)  # kind from the file name
        assert code == 0, report
        assert f"{kind}: " in report and "rules passed." in report


def test_check_coaches_a_hand_written_draft(tmp_path: Path) -> None:
    draft = tmp_path / "mine.txt"
    draft.write_text(BAD_EMAIL, encoding="utf-8")
    code, report = run("check", str(draft), "--case", HOSPITAL)
    assert code == 1
    for rule in ("no-selling", "no-excuses", "no-invented-facts", "failures-named", "one-ask"):
        assert f"- {rule}: " in report
    assert "unfortunately" in report and "20%" in report
    code, out = run("check", str(draft), "--case", HOSPITAL, "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and 0 < data["score"] < 1
    assert "no-selling" in data["failed"]


def test_check_reads_eml_and_stdin(tmp_path: Path) -> None:
    eml = tmp_path / "draft.eml"
    assert run("email", HOSPITAL, "-o", str(eml))[0] == 0
    assert run("check", str(eml), "--case", HOSPITAL)[0] == 0
    code, _ = run("check", "-", "--case", HOSPITAL, input=BAD_EMAIL)
    assert code == 1


def _log_ids() -> list[int]:
    code, out = run("log", "list", "--json")
    assert code == 0, out
    return [entry["id"] for entry in json.loads(out)]


def test_every_draft_is_logged_unless_asked_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("email", HOSPITAL)[0] == 0
    assert len(_log_ids()) == 1
    assert run("agenda", HOSPITAL, "--no-log")[0] == 0
    assert len(_log_ids()) == 1
    cfg = tmp_path / "config.toml"
    cfg.write_text("history = false\n", encoding="utf-8")
    monkeypatch.setenv("DRAFTER_CONFIG", str(cfg))
    assert run("escalation", HOSPITAL)[0] == 0
    assert len(_log_ids()) == 1


def test_a_draft_that_failed_to_write_is_recovered_from_the_log(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    code, out = run("email", HOSPITAL, "-o", str(blocker / "email.eml"))
    assert code == 2 and "cannot write" in out
    (entry_id,) = _log_ids()
    recovered = tmp_path / "email.eml"
    code, out = run("log", "recover", str(entry_id), "-o", str(recovered))
    assert code == 0, out
    fresh = CliRunner().invoke(cli, ["email", HOSPITAL, "-f", "eml", "--no-log"])
    stamp = re.compile(rb"^(?:Date|Message-ID): .*\n", re.MULTILINE)  # new on every draft
    assert stamp.sub(b"", recovered.read_bytes()) == stamp.sub(b"", fresh.stdout_bytes)
