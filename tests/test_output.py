"""Output: formats a user pastes or opens, written atomically, never clobbering without --force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from drafter.cli import cli
from drafter.drafts import Draft, Party
from drafter.errors import OutputError
from drafter.output import as_eml, render_output, write_atomic
from tests.conftest import SHARED, parse_eml

HOSPITAL = str(SHARED / "cases" / "hospital-overstock.yaml")

DRAFT = Draft(
    kind="email",
    subject="What we got wrong — and what has changed",
    body="Dear Dana,\n\nWe sold you stock you did not need. Ünïcode stays intact.\n",
    sender=Party("Priya Shah", "priya.shah@meridian.example"),
    to=(Party("Dana Whitfield", "dana.whitfield@northwind.example"),),
)


def test_eml_parses_back_with_headers_and_utf8_body() -> None:
    msg = parse_eml(as_eml(DRAFT))
    assert msg["From"] == "Priya Shah <priya.shah@meridian.example>"
    assert msg["To"] == "Dana Whitfield <dana.whitfield@northwind.example>"
    assert msg["Subject"] == DRAFT.subject
    assert msg["X-Unsent"] == "1"
    body = msg.get_body()
    assert body is not None
    assert "Ünïcode stays intact." in body.get_content()


def test_subject_with_newline_cannot_inject_a_header() -> None:
    evil = Draft(**{**DRAFT.__dict__, "subject": "Hello\r\nBcc: attacker@evil.example\nX-Evil: 1"})
    msg = parse_eml(as_eml(evil))
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert "attacker@evil.example" in msg["Subject"]  # folded into the subject, harmless
    assert msg["Subject"].count("\n") == 0


def test_name_with_newline_cannot_inject_a_header() -> None:
    evil = Draft(**{**DRAFT.__dict__, "to": (Party("Dana\nBcc: a@evil.example", "d@x.example"),)})
    msg = parse_eml(as_eml(evil))
    assert msg["Bcc"] is None


def test_recipient_without_address_is_left_off_to() -> None:
    nameless = Draft(**{**DRAFT.__dict__, "to": (Party("Mark Olsen, VP Sales"),)})
    msg = parse_eml(as_eml(nameless))
    assert msg["To"] is None
    assert "Mark Olsen, VP Sales" in render_output(nameless, "text").decode()


def test_json_has_everything_a_script_needs() -> None:
    data = json.loads(render_output(DRAFT, "json", {"mode": "templates"}))
    assert data["subject"] == DRAFT.subject
    assert data["to"] == [{"name": "Dana Whitfield", "email": "dana.whitfield@northwind.example"}]
    assert data["mode"] == "templates"
    assert data["body"] == DRAFT.body


def test_text_is_paste_ready() -> None:
    text = render_output(DRAFT, "text").decode()
    assert text.startswith("To: Dana Whitfield <dana.whitfield@northwind.example>\nSubject: ")
    assert text.endswith(DRAFT.body)


def test_no_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "draft.txt"
    target.write_text("my edits", encoding="utf-8")
    with pytest.raises(OutputError, match="--force"):
        write_atomic(target, b"new")
    assert target.read_text(encoding="utf-8") == "my edits"
    write_atomic(target, b"new", force=True)
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["draft.txt"]  # no temp files left


def test_cli_output_file_refuses_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "email.eml"
    runner = CliRunner()
    first = runner.invoke(cli, ["email", HOSPITAL, "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert parse_eml(out.read_bytes())["X-Unsent"] == "1"  # format inferred from .eml
    before = out.read_bytes()
    again = runner.invoke(cli, ["email", HOSPITAL, "-o", str(out)])
    assert again.exit_code == 2
    assert "already exists" in again.output and "--force" in again.output
    assert out.read_bytes() == before
    forced = runner.invoke(cli, ["email", HOSPITAL, "-o", str(out), "--force"])
    assert forced.exit_code == 0


def test_all_writes_three_files_or_none(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "drafts"
    result = runner.invoke(cli, ["all", HOSPITAL, "-o", str(out), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["agenda.md", "email.md", "escalation.md"]
    (out / "email.md").write_text("edited", encoding="utf-8")
    (out / "agenda.md").unlink()
    again = runner.invoke(cli, ["all", HOSPITAL, "-o", str(out), "--format", "markdown"])
    assert again.exit_code == 2
    assert not (out / "agenda.md").exists()  # nothing written when anything would be clobbered
    assert (out / "email.md").read_text(encoding="utf-8") == "edited"


def test_case_file_is_never_modified(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    original = Path(HOSPITAL).read_bytes()
    case.write_bytes(original)
    CliRunner().invoke(cli, ["all", str(case), "-o", str(tmp_path / "out")])
    assert case.read_bytes() == original
