"""Process-level behaviour: READY line, port file, loopback only, clean shutdown."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from conftest import start_emulator, stop


def _get(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
        return json.loads(resp.read())


def test_ready_line_port_file_and_sigterm(tmp_path):
    port_file = tmp_path / "port"
    proc, line, startup = start_emulator("--host", "127.0.0.1", "--port", "0", "--port-file", str(port_file))
    try:
        assert line.startswith("MLOPS_EMULATOR_READY port="), line
        port = int(line.strip().split("=", 1)[1])
        assert port > 0
        assert port_file.read_text().strip() == str(port)
        assert startup < 5, f"emulator took {startup:.2f}s to become ready"
        assert _get(port, "/_emulator/health") == {"ok": True}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        # exactly one line on stdout
        assert proc.stdout.read() == ""
    finally:
        stop(proc)


def test_sigint_shuts_down_cleanly():
    proc, line, _ = start_emulator("--port", "0")
    try:
        assert line.startswith("MLOPS_EMULATOR_READY")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        stop(proc)


def test_fixed_port_is_used():
    with socket.socket() as s:  # find a free port, release it, ask for it explicitly
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    proc, line, _ = start_emulator("--port", str(free))
    try:
        assert line.strip() == f"MLOPS_EMULATOR_READY port={free}"
    finally:
        assert stop(proc) == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.com"])
def test_refuses_non_loopback_host(host):
    result = subprocess.run(
        [sys.executable, "-m", "mlops_emulator", "--host", host, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "MLOPS_EMULATOR_READY" not in result.stdout
    assert "refusing to bind" in result.stderr


def test_session_emulator_started_fast(emulator):
    assert emulator.startup_s < 5
    print(f"emulator startup: {emulator.startup_s:.3f}s")
