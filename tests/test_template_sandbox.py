"""A hostile ``--templates DIR``: it reads no file outside the folder, and no template can hang
the run or exhaust memory. Each case ends quickly with exit 2 and one clear message."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from drafter.artifacts import kinds_for
from drafter.casefile import load_case
from drafter.cli import cli
from drafter.render import RenderOptions, render
from drafter.sandbox import MAX_TEMPLATE_BYTES
from tests.conftest import SHARED_CASES

HOSPITAL = next(str(p) for p in SHARED_CASES if p.stem == "hospital-overstock")


def email_template(folder: Path, body: str, name: str = "email.j2") -> None:
    """An ``email.j2`` in ``folder`` whose body block is ``body``."""
    text = "{% block subject %}Hello{% endblock %}{% block body %}" + body + "{% endblock %}"
    (folder / name).write_text(text, encoding="utf-8")


def draft(folder: Path) -> tuple[int, str]:
    """Draft the hospital email with ``folder``'s templates: exit code and all output."""
    started = time.monotonic()
    result = CliRunner().invoke(
        cli, ["email", HOSPITAL, "--mode", "templates", "--templates", str(folder)]
    )
    assert time.monotonic() - started < 5
    assert "Traceback" not in result.output
    return result.exit_code, result.output


# --- only files inside the folder -------------------------------------------------------------


def test_a_link_to_a_file_outside_the_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "config.toml"
    secret.write_text('api_key = "sk-secret"\n', encoding="utf-8")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "pw.j2").symlink_to(secret)
    email_template(folder, '{% include "pw.j2" %}')
    code, out = draft(folder)
    assert code == 2
    assert "sk-secret" not in out
    assert f"template pw.j2 in {folder} is a link to a file outside that folder" in out


def test_a_linked_email_template_does_not_fall_back_silently(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.j2"
    email_template(tmp_path, "from outside", name="elsewhere.j2")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "email.j2").symlink_to(outside)
    code, out = draft(folder)
    assert code == 2 and "email.j2" in out and "outside that folder" in out
    assert "from outside" not in out


def test_a_link_that_stays_inside_the_folder_is_followed(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "sig.j2").write_text("-- the team", encoding="utf-8")
    (tmp_path / "sig.j2").symlink_to(tmp_path / "parts" / "sig.j2")
    email_template(tmp_path, '{% include "sig.j2" %}')
    code, out = draft(tmp_path)
    assert code == 0 and "-- the team" in out


def test_a_template_too_large_or_not_a_file_is_refused(tmp_path: Path) -> None:
    email_template(tmp_path, "x" * MAX_TEMPLATE_BYTES)
    code, out = draft(tmp_path)
    assert code == 2 and "email.j2" in out and "larger than 256 KB" in out
    (tmp_path / "email.j2").unlink()
    (tmp_path / "email.j2").mkdir()
    code, out = draft(tmp_path)
    assert code == 2 and "email.j2" in out and "not a regular file" in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_does_not_hang_the_run(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "email.j2")
    code, out = draft(tmp_path)
    assert code == 2 and "not a regular file" in out


# --- resource limits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
            "loop limit of 100,000 iterations exceeded",
        ),
        (
            "{% for x in range(99) recursive %}"
            "{% if loop.depth < 4 %}{{ loop(range(99)) }}{% endif %}{% endfor %}",
            "loop limit of 100,000 iterations exceeded",
        ),
        ("{{ 'a' * 10**10 }}", "text limit of 4,000,000 characters exceeded"),
        ("{{ 'a'|center(10**10) }}", "text limit of 4,000,000 characters exceeded"),
        ("{{ 'a'.rjust(10**10) }}", "text limit of 4,000,000 characters exceeded"),
        ("{{ '%*s'|format(10**10, 'a') }}", "text limit of 4,000,000 characters exceeded"),
        ("{{ 10**(10**10) }}", "number limit of 4096 bits exceeded"),
        (
            "{% for i in range(99999) %}{{ 'a' * 3000 }}{% endfor %}",
            "output limit of 4,000,000 characters exceeded",
        ),
        ("{% for i in range(10**9) %}{% endfor %}", "a number or range is too large"),
        ('{% include "email.j2" %}', "limit of 200 includes, imports and extends exceeded"),
        (
            "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
            "macros, loops or includes nest too deeply",
        ),
    ],
    ids=[
        "nested-loops",
        "recursive-loop",
        "string-times",
        "center",
        "rjust",
        "format-width",
        "power",
        "output",
        "huge-range",
        "recursive-include",
        "recursive-macro",
    ],
)
def test_a_runaway_template_stops_with_a_clear_message(
    tmp_path: Path, body: str, message: str
) -> None:
    email_template(tmp_path, body)
    code, out = draft(tmp_path)
    assert code == 2
    assert out.startswith(f"drafter: template email.j2 in {tmp_path}: {message}")


def test_the_limit_names_the_included_template_it_happened_in(tmp_path: Path) -> None:
    (tmp_path / "part.j2").write_text("{{ 'a' * 10**10 }}", encoding="utf-8")
    email_template(tmp_path, '{% include "part.j2" %}')
    code, out = draft(tmp_path)
    assert code == 2 and f"template part.j2 in {tmp_path}: text limit" in out


def test_reasonable_templates_stay_within_the_limits(tmp_path: Path) -> None:
    email_template(
        tmp_path,
        "{% for f in case.what_went_wrong %}{% for i in range(3) %}{{ i }}{% endfor %}"
        "{{ f.issue * 2 }}{{ '%5s|' % 'x' }}{{ 'ab'|center(6) }}{% endfor %}",
    )
    code, out = draft(tmp_path)
    assert code == 0 and "012" in out and "    x|" in out


def test_built_in_templates_render_the_same_beside_a_user_folder(tmp_path: Path) -> None:
    case = load_case(HOSPITAL)
    for kind in kinds_for(case):
        plain = render(kind, case)
        assert render(kind, case, RenderOptions(template_dirs=(tmp_path,))) == plain
