""".eml integrity: every header reads back as exactly the names and addresses meant."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafter import history
from drafter.cli import cli
from drafter.drafts import Draft, Party
from drafter.eml import as_eml, check_address, one_line
from drafter.output import render_output
from tests.conftest import SHARED, parse_eml

CASES = SHARED / "cases"
HOSPITAL = CASES / "hospital-overstock.yaml"
NO_SENDER_EMAIL = str(CASES / "missed-deliveries.yaml")
INJECTED = "=?utf-8?q?Bcc=3A_evil=40attacker=2Eexample?="

DRAFT = Draft(
    kind="email",
    subject="What we got wrong",
    body="Dear Dana,\n\nWe sold you stock you did not need.\n",
    sender=Party("Priya Shah", "priya.shah@meridian.example"),
    to=(Party("Dana Whitfield", "dana.whitfield@northwind.example"),),
)


def _mailboxes(msg: EmailMessage, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs as the header registry reads them."""
    header = msg[name]
    return [(a.display_name, a.addr_spec) for a in header.addresses] if header else []


def _header_lines(data: bytes) -> list[bytes]:
    return data.split(b"\n\n", 1)[0].split(b"\n")


def _draft(**changes: object) -> Draft:
    return Draft(**{**DRAFT.__dict__, **changes})


def _case_with(tmp_path: Path, old: str, new: str) -> Path:
    text = HOSPITAL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "case.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# --- 1. a sender without an address -------------------------------------------------------


def test_sender_without_address_keeps_the_name_and_no_address() -> None:
    msg = parse_eml(as_eml(_draft(sender=Party("Sam Ortiz"))))
    assert [(g.display_name, g.addresses) for g in msg["From"].groups] == [("Sam Ortiz", ())]
    assert [a for _, a in getaddresses([str(msg["From"])]) if a] == []  # nothing to send from
    assert _mailboxes(msg, "To") == [("Dana Whitfield", "dana.whitfield@northwind.example")]


def test_cli_writes_eml_for_a_case_without_sender_email(tmp_path: Path) -> None:
    one = CliRunner().invoke(cli, ["email", NO_SENDER_EMAIL, "-f", "eml", "--no-log"])
    assert one.exit_code == 0, one.output
    assert parse_eml(one.stdout_bytes)["X-Unsent"] == "1"
    every = CliRunner().invoke(cli, ["all", NO_SENDER_EMAIL, "-o", str(tmp_path), "-f", "eml"])
    assert every.exit_code == 0, every.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "agenda.eml",
        "email.eml",
        "escalation.eml",
    ]


def test_a_draft_that_cannot_be_formatted_is_still_logged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(*_: object, **__: object) -> bytes:
        raise ValueError("boom")

    monkeypatch.setattr("drafter.pipeline.render_output", broken)
    result = CliRunner().invoke(cli, ["email", str(HOSPITAL), "-o", str(tmp_path / "e.eml")])
    assert result.exit_code == 1
    assert "could not format the email draft as eml (ValueError: boom)" in result.output
    assert "drafter log recover 1" in result.output
    assert "Traceback" not in result.output
    entry = history.get(1)
    assert entry is not None and entry.lost and "Dear Dana" in entry.body


# --- 2. addresses checked at load time ----------------------------------------------------


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("jörg@b.example", "internationalised addresses are not supported"),
        ("a..b@c.example", "no leading, trailing or double dots"),
        (".a@c.example", "no leading, trailing or double dots"),
        ("a@c..example", "expected an email address like name@example.com"),
        ("a@localhost", "expected an email address like name@example.com"),
        ("dana\u200b@c.example", "invisible or control character (U+200B)"),
        ("dana\u202e@c.example", "invisible or control character (U+202E)"),
        ("a(b)@c.example", "expected an email address like name@example.com"),
        ("x" * 65 + "@c.example", "at most 64 characters before the @"),
    ],
)
def test_bad_address_is_a_clear_input_error(tmp_path: Path, address: str, why: str) -> None:
    path = _case_with(tmp_path, "dana.whitfield@northwind.example", address)
    result = CliRunner().invoke(cli, ["email", str(path), "-f", "eml"])
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and "field `customer.email`" in result.output
    assert why in result.output
    line = next(
        n
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if address in text
    )
    assert f"line {line}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "address", ["o'brien+tag@mail.example.co.uk", "A_B-c@x-1.example", "first.last@d.example"]
)
def test_unusual_but_valid_addresses_are_kept(address: str) -> None:
    assert check_address(address) == address
    msg = parse_eml(as_eml(_draft(to=(Party("Dana", address),))))
    assert _mailboxes(msg, "To") == [("Dana", address)]


# --- 3. headers that read back as meant ---------------------------------------------------


def test_encoded_word_looking_names_stay_literal_text() -> None:
    draft = _draft(
        sender=Party(INJECTED, "priya.shah@meridian.example"),
        to=(Party(INJECTED, "dana.whitfield@northwind.example"),),
        subject=INJECTED,
    )
    data = as_eml(draft)
    msg = parse_eml(data)
    assert _mailboxes(msg, "To") == [(INJECTED, "dana.whitfield@northwind.example")]
    assert _mailboxes(msg, "From") == [(INJECTED, "priya.shah@meridian.example")]
    assert msg["Subject"] == INJECTED
    raw = [v for _, v in getaddresses([msg.get("To", ""), msg.get("From", "")])]
    assert raw == ["dana.whitfield@northwind.example", "priya.shah@meridian.example"]
    assert msg["Bcc"] is None


def test_control_characters_never_reach_headers_or_the_terminal() -> None:
    evil = "\x1b]0;pwned\x07 Sorry\x00\x9b"
    draft = _draft(
        subject=evil, body=f"Dear Dana\x1b[2J,\r\n{evil}\n", to=(Party(evil, "d@x.example"),)
    )
    for fmt in ("text", "markdown", "eml"):
        out = render_output(draft, fmt)
        assert not any(ch in out.decode() for ch in "\x1b\x07\x00\x9b\r"), fmt
    msg = parse_eml(as_eml(draft))
    assert msg["Subject"] == "]0;pwned Sorry"
    assert _mailboxes(msg, "To") == [("]0;pwned Sorry", "d@x.example")]


def test_cli_does_not_print_escape_sequences_from_the_case(tmp_path: Path) -> None:
    path = _case_with(tmp_path, "name: Dana Whitfield", 'name: "Dana\\e]0;pwned\\a Whitfield"')
    result = CliRunner().invoke(cli, ["email", str(path), "--no-log"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "Dana]0;pwned Whitfield" in result.stdout


@pytest.mark.parametrize("name", ["Dana " * 400, "x" * 2000, "Jörg " * 300, "田" * 700])
def test_long_names_fold_under_78_characters(name: str) -> None:
    data = as_eml(_draft(to=(Party(name, "d@x.example"),), sender=Party(name)))
    assert max(len(line) for line in _header_lines(data)) <= 78
    msg = parse_eml(data)
    [(shown, address)] = _mailboxes(msg, "To")
    assert address == "d@x.example"
    assert shown.split() == one_line(name).split() or _same_text(shown, one_line(name))
    assert [g.display_name for g in msg["From"].groups] == [shown]


def _same_text(shown: str, meant: str) -> bool:
    """Equal but for spaces: the stdlib keeps the space between two encoded words of a
    display name (RFC 2047 says to drop it), so a name longer than one encoded word
    reads back with extra spaces in Python; mail clients show it exactly."""
    return shown.replace(" ", "") == meant.replace(" ", "")


HOSTILE = st.sampled_from(
    [
        INJECTED,
        "=?",
        "?=",
        "Bcc:",
        "evil@attacker.example",
        "<a@b.example>",
        ",",
        ";",
        ":",
        '"',
        "\\",
        "(",
        ")",
        ".",
        " ",
        "  ",
        "\t",
        "\r\n",
        "\n",
        "\x00",
        "\x1b]0;x\x07",
        "\x85",
        "\u2028",
        "\u200b",
        "\u202e",
        "\ud800",
        "ö",
        "田中",
        "😀",
        "Dana",
    ]
)
TEXT = st.lists(HOSTILE | st.characters(), max_size=12).map("".join)
LOCAL = st.text("ab.-+_'\"()<>,@ \u200bö", min_size=1, max_size=10)


@settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(name=TEXT, subject=TEXT, local=LOCAL, with_sender_email=st.booleans())
def test_every_header_parses_back_as_meant(
    name: str, subject: str, local: str, with_sender_email: bool
) -> None:
    try:
        address = check_address(f"{local}@c.example")
    except ValueError:
        address = "dana@c.example"
    sender = Party(name, "priya@meridian.example" if with_sender_email else None)
    data = as_eml(_draft(subject=subject, sender=sender, to=(Party(name, address),)))
    assert max(len(line) for line in _header_lines(data)) <= 78
    msg = parse_eml(data)
    meant = one_line(name)
    [(shown, parsed)] = _mailboxes(msg, "To")
    assert parsed == address
    # exact whenever a name fits one encoded word (42 bytes), as nearly all names do
    assert shown == meant or (len(meant.encode()) > 42 and _same_text(shown, meant))
    assert [a for _, a in getaddresses([str(msg["To"])])] == [address]
    assert msg["Subject"] == one_line(subject)
    if with_sender_email:
        assert _mailboxes(msg, "From") == [(shown, "priya@meridian.example")]
    elif meant:
        assert [(g.display_name, g.addresses) for g in msg["From"].groups] == [(shown, ())]
    else:
        assert msg["From"] is None
    assert msg["Bcc"] is None and msg["X-Unsent"] == "1"
