"""Fixtures: one emulator subprocess per test session on a free port; state is
reset through the control API before every test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account for the fake "test" credentials


class Emulator:
    def __init__(self, proc: subprocess.Popen, port: int, startup_s: float) -> None:
        self.proc = proc
        self.port = port
        self.startup_s = startup_s
        self.url = f"http://127.0.0.1:{port}"

    def control(self, method: str, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def client(
        self, service: str = "sagemaker", retries: dict | None = None, region_name: str = REGION, **kwargs: Any
    ) -> Any:
        config = Config(retries=retries or {"mode": "standard", "total_max_attempts": 1}, **kwargs)
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region_name,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            aws_session_token="test",
            config=config,
        )


def start_emulator(*extra: str, env: dict | None = None) -> tuple[subprocess.Popen, str, float]:
    """Start `python -m mlops_emulator` and wait for its READY line."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_emulator", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = proc.stdout.readline()  # blocks until READY (or EOF on failure)
    return proc, line, time.monotonic() - started


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout=10)
    finally:
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    for var in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(var, None)
    os.environ.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION)
    # this checkout's emulator, even when the virtualenv has another checkout's package
    # installed in editable mode (worktrees sharing one .venv)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    proc, line, startup = start_emulator("--host", "127.0.0.1", "--port", "0")
    assert line.startswith("MLOPS_EMULATOR_READY port="), (line, proc.stderr.read() if proc.poll() is not None else "")
    emu = Emulator(proc, int(line.strip().split("=", 1)[1]), startup)
    yield emu
    assert stop(proc) == 0


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest) -> None:
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").control("POST", "/_emulator/reset")


@pytest.fixture
def sm(emulator: Emulator) -> Any:
    return emulator.client("sagemaker")
