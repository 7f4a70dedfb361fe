"""Replying in the customer's thread: ``--reply-to MESSAGE.eml`` and batch's reply-to.eml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import drafter
from drafter.artifacts import artifact
from drafter.batchfiles import reply_file
from drafter.cli import cli
from drafter.drafts import Draft, Party
from drafter.errors import InputError
from drafter.output import render_output
from drafter.pipeline import Request, load_case
from drafter.reply import MAX_BYTES, parse_original, read_original
from tests.conftest import parse_eml

EXAMPLES = Path(drafter.__file__).parent / "examples"
WITH_WORDS = EXAMPLES / "late-payroll.yaml"
WITHOUT_WORDS = EXAMPLES / "warehouse-deal.yaml"

THEIRS = b"""\
From: Hannah Okoye <hannah.okoye@copperkettle.example>
To: Marcus Lindqvist <marcus.lindqvist@paystream.example>
Subject: RE: Re: Payroll late AGAIN
Date: Mon, 6 Oct 2025 09:14:00 +0100
Message-ID: <CAx123@mail.copperkettle.example>
In-Reply-To: <second@paystream.example>
References: <first@paystream.example> <second@paystream.example>
Content-Type: text/plain; charset=utf-8

Marcus,

My staff were paid late again.

On Fri, 3 Oct 2025, Marcus wrote:
> We will look into it.
"""

DRAFT = Draft(
    kind="email",
    subject="We got it wrong",
    body="Hannah,\n\nWe let you down.\n",
    sender=Party("Marcus Lindqvist", "marcus.lindqvist@paystream.example"),
    to=(Party("Hannah Okoye", "hannah@old.example"),),
)


def _eml(tmp_path: Path, data: bytes, name: str = "theirs.eml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--no-log", "--mode", "templates"])
    return result.exit_code, result.stdout, result.stderr


def test_eml_reply_threads_under_theirs() -> None:
    reply = parse_original(THEIRS, "theirs.eml")
    msg = parse_eml(render_output(DRAFT, "eml", reply=reply))
    assert msg["Subject"] == "Re: Payroll late AGAIN"  # RE: Re: becomes one Re:
    assert [a.addr_spec for a in msg["To"].addresses] == ["hannah.okoye@copperkettle.example"]
    assert msg["In-Reply-To"] == "<CAx123@mail.copperkettle.example>"
    assert str(msg["References"]).split() == [
        "<first@paystream.example>",
        "<second@paystream.example>",
        "<CAx123@mail.copperkettle.example>",
    ]
    assert msg["Message-ID"] != msg["In-Reply-To"]
    body = msg.get_content()
    ours, _, quoted = body.partition("On Mon, 6 Oct 2025 at 09:14, Hannah Okoye wrote:\n")
    assert "We let you down." in ours
    assert quoted.splitlines() == [
        "> Marcus,",
        ">",
        "> My staff were paid late again.",
        ">",
        "> On Fri, 3 Oct 2025, Marcus wrote:",
        ">> We will look into it.",
    ]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_end_with_the_quoted_original(fmt: str) -> None:
    reply = parse_original(THEIRS, "theirs.eml")
    text = render_output(DRAFT, fmt, reply=reply).decode()  # type: ignore[arg-type]
    assert "Re: Payroll late AGAIN" in text.splitlines()[0 if fmt == "markdown" else 1]
    assert text.endswith(">> We will look into it.\n")


def test_subject_gets_one_re_and_an_empty_subject_keeps_ours() -> None:
    for subject, expected in [
        ("Payroll", "Re: Payroll"),
        ("re: Payroll", "Re: Payroll"),
        ("Re[2]: AW: Payroll", "Re: Payroll"),
        ("Recovery plan", "Re: Recovery plan"),
    ]:
        reply = parse_original(THEIRS.replace(b"RE: Re: Payroll late AGAIN", subject.encode()), "t")
        assert reply.subject_for("ours") == expected
    no_subject = parse_original(THEIRS.replace(b"Subject: RE: Re: Payroll late AGAIN\n", b""), "t")
    assert no_subject.subject_for("We got it wrong") == "We got it wrong"


def test_references_fall_back_to_in_reply_to_and_are_capped() -> None:
    only_parent = parse_original(THEIRS.replace(b"References:", b"X-Old:"), "t")
    assert only_parent.chain == ("<second@paystream.example>", "<CAx123@mail.copperkettle.example>")
    ids = " ".join(f"<id{n}@x.example>" for n in range(40)).encode()
    long = parse_original(THEIRS.replace(b"<first@paystream.example>", ids), "t")
    assert len(long.chain) == 20
    assert long.chain[0] == "<id0@x.example>"
    assert long.chain[-1] == "<CAx123@mail.copperkettle.example>"
    msg = parse_eml(render_output(DRAFT, "eml", reply=long))
    assert str(msg["References"]).split() == list(long.chain)


def test_customer_words_are_filled_only_when_the_case_has_none() -> None:
    reply = parse_original(THEIRS, "theirs.eml")
    assert reply.own_words() == "Marcus,\n\nMy staff were paid late again."
    empty = load_case(str(WITHOUT_WORDS))
    assert not empty.customer_words
    from drafter.config import UserConfig

    filled = Request.of(UserConfig.locate(), empty, "c.yaml", reply=reply).case
    assert filled.customer_words == reply.own_words()
    kept = load_case(str(WITH_WORDS))
    assert Request.of(UserConfig.locate(), kept, "c.yaml", reply=reply).case == kept


def test_cli_email_reply_to(tmp_path: Path) -> None:
    theirs = _eml(tmp_path, THEIRS)
    code, out, _ = _cli("email", str(WITH_WORDS), "--reply-to", str(theirs), "-f", "eml")
    assert code == 0
    msg = parse_eml(out.encode())
    assert msg["In-Reply-To"] == "<CAx123@mail.copperkettle.example>"
    assert msg["X-Unsent"] == "1"
    code, out, _ = _cli("email", str(WITH_WORDS), "--reply-to", str(theirs), "-f", "json")
    data = json.loads(out)
    assert data["in_reply_to"] == "<CAx123@mail.copperkettle.example>"
    assert data["subject"] == "Re: Payroll late AGAIN"


def test_only_letters_to_the_customer_take_reply_to() -> None:
    assert artifact("email").replies and artifact("followup").replies
    assert not artifact("agenda").replies and not artifact("escalation").replies
    code, _, err = _cli("agenda", str(WITH_WORDS), "--reply-to", "x.eml")
    assert code == 2 and "No such option '--reply-to'" in err


def test_no_message_id_still_replies_without_in_reply_to(tmp_path: Path) -> None:
    raw = THEIRS.replace(b"Message-ID: <CAx123@mail.copperkettle.example>\n", b"")
    theirs = _eml(tmp_path, raw)
    code, out, err = _cli("email", str(WITH_WORDS), "--reply-to", str(theirs), "-f", "eml")
    assert code == 0
    msg = parse_eml(out.encode())
    assert msg["Subject"] == "Re: Payroll late AGAIN"
    assert msg["In-Reply-To"] is None
    assert "has no Message-ID" in err and "Traceback" not in err


def test_html_only_is_quoted_as_text() -> None:
    raw = (
        b"From: Hannah <hannah.okoye@copperkettle.example>\nSubject: Late\n"
        b"Message-ID: <h@x.example>\nContent-Type: text/html; charset=utf-8\n\n"
        b"<html><head><style>p{color:red}</style></head><body><p>Paid <b>late</b>"
        b" again.</p><p>Fix it&nbsp;&amp; call me.<script>alert(1)</script></p></body></html>"
    )
    reply = parse_original(raw, "t")
    assert reply.body == "Paid late again.\n\nFix it\xa0& call me."
    assert "<" not in reply.quote()


def test_other_charsets_are_decoded_and_unknown_ones_replaced() -> None:
    latin = THEIRS.replace(b"charset=utf-8", b"charset=iso-8859-1").replace(
        b"late again", b"late again, d\xe9j\xe0 vu"
    )
    assert "déjà vu" in parse_original(latin, "t").body
    unknown = latin.replace(b"iso-8859-1", b"x-no-such-charset")
    assert "d\ufffdj\ufffd vu" in parse_original(unknown, "t").body


def test_from_without_address_keeps_the_cases_customer() -> None:
    reply = parse_original(THEIRS.replace(b"<hannah.okoye@copperkettle.example>", b""), "t")
    assert reply.sender is None
    assert any("no address" in n for n in reply.notices)
    assert reply.answer(DRAFT).to == DRAFT.to


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"version: 2\naccount: Northwind\n", "is not an email message"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "is not an email message"),
        (
            b"From: a@b.example\n" + b"Content-Type: multipart/mixed; boundary=x\n" * 101,
            "multipart",
        ),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, content: bytes, message: str) -> None:
    theirs = _eml(tmp_path, content)
    code, _, err = _cli("email", str(WITH_WORDS), "--reply-to", str(theirs))
    assert code == 2
    assert message in err and str(theirs) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_too_large_or_missing_file_is_an_error(tmp_path: Path) -> None:
    big = tmp_path / "big.eml"
    with big.open("wb") as fh:
        fh.write(THEIRS)
        fh.truncate(MAX_BYTES * 2)
    with pytest.raises(InputError, match=r"big\.eml: is larger than 10 MB"):
        read_original(str(big))
    code, _, err = _cli("email", str(WITH_WORDS), "--reply-to", str(tmp_path / "gone.eml"))
    assert code == 2 and "gone.eml: no such file" in err


def test_batch_uses_the_reply_to_eml_beside_a_case(tmp_path: Path) -> None:
    one, two = tmp_path / "northwind", tmp_path / "shared"
    one.mkdir()
    two.mkdir()
    (one / "case.yaml").write_bytes(WITH_WORDS.read_bytes())
    _eml(one, THEIRS, "reply-to.eml")
    (two / "a.yaml").write_bytes(WITH_WORDS.read_bytes())
    (two / "b.yaml").write_bytes(WITH_WORDS.read_bytes())
    _eml(two, THEIRS.replace(b"CAx123", b"CAb"), "b.reply-to.eml")
    out = tmp_path / "drafts"
    args = ["batch", str(one / "case.yaml"), str(two), "-o", str(out), "-f", "eml"]
    result = CliRunner().invoke(cli, [*args, "--no-log", "--mode", "templates"])
    assert result.exit_code == 0, result.output
    replied = parse_eml((out / "case" / "email.eml").read_bytes())
    assert replied["In-Reply-To"] == "<CAx123@mail.copperkettle.example>"
    assert parse_eml((out / "b" / "email.eml").read_bytes())["In-Reply-To"] == (
        "<CAb@mail.copperkettle.example>"
    )
    assert parse_eml((out / "a" / "email.eml").read_bytes())["In-Reply-To"] is None
    assert parse_eml((out / "case" / "agenda.eml").read_bytes())["In-Reply-To"] is None
    _eml(one, THEIRS.replace(b"CAx123", b"CAnew"), "reply-to.eml")  # a new message: redrafted
    again = CliRunner().invoke(cli, [*args, "--no-log", "--mode", "templates"])
    assert again.exit_code == 0, again.output
    replied = parse_eml((out / "case" / "email.eml").read_bytes())
    assert replied["In-Reply-To"] == "<CAnew@mail.copperkettle.example>"


def test_batch_reply_to_eml_shared_by_several_cases_is_ambiguous(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(WITH_WORDS.read_bytes())
    (tmp_path / "b.yaml").write_bytes(WITH_WORDS.read_bytes())
    _eml(tmp_path, THEIRS, "reply-to.eml")
    args = ["batch", str(tmp_path), "-o", str(tmp_path / "out"), "--no-log"]
    result = CliRunner().invoke(cli, [*args, "--mode", "templates"])
    assert result.exit_code == 2
    assert "2 invalid case (2 cases)" in result.output
    with pytest.raises(InputError, match=r"which case it answers is unclear; name it a\.reply-to"):
        reply_file(tmp_path / "a.yaml")
