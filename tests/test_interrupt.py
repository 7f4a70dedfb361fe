"""Ctrl-C while a draft waits on a model: a real SIGINT to a real ``drafter`` process whose
model is a local server (127.0.0.1, started here) that accepts and never answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_hostile_server import CASE_PATH, LocalServer


def _never_answer(conn: socket.socket) -> None:
    time.sleep(60)


@pytest.fixture
def waiting_drafter() -> Iterator[subprocess.Popen[str]]:
    """``drafter email CASE`` sent to a server that never answers, once its request is in."""
    server = LocalServer(_never_answer)
    args = [sys.executable, "-m", "drafter", "email", str(CASE_PATH), "--base-url", server.url]
    process = subprocess.Popen(
        args,
        env={**os.environ, "OPENAI_API_KEY": "x"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while server.accepted == 0 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.accepted == 1, "the request never reached the server"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
        server.close()


def _stopped(process: subprocess.Popen[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    _, stderr = process.communicate(timeout=10)
    return process.returncode, stderr, time.monotonic() - started


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_ctrl_c_stops_a_draft_with_one_line_and_exit_130(
    waiting_drafter: subprocess.Popen[str], tmp_path: Path
) -> None:
    """One press: within 2 s, exit 130 and one line, no traceback, no click "Aborted!"."""
    waiting_drafter.send_signal(signal.SIGINT)
    code, stderr, took = _stopped(waiting_drafter)
    assert code == 130, stderr
    assert stderr.endswith("drafter: interrupted\n") and stderr.count("interrupted") == 1
    assert "Traceback" not in stderr and "Aborted" not in stderr
    assert took < 2
    print(f"\nCtrl-C: exit {code} after {took:.2f} s")


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_second_ctrl_c_never_prints_a_traceback(waiting_drafter: subprocess.Popen[str]) -> None:
    """Two presses in quick succession: still exit 130 and no traceback."""
    waiting_drafter.send_signal(signal.SIGINT)
    time.sleep(0.01)
    waiting_drafter.send_signal(signal.SIGINT)
    code, stderr, _ = _stopped(waiting_drafter)
    assert code == 130, stderr
    assert "Traceback" not in stderr and "Aborted" not in stderr
