"""The peers' virtual environment (bench/.venv-peers, git-ignored): Evidently and NannyML
with the pins of bench/requirements-peers.txt, kept apart from the project's .venv.

Each peer is installed by its own pip call, so one that cannot be installed is recorded
as a failed measurement with pip's reason, and the other is still measured.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-peers"
LOCK = HERE / "requirements-peers.txt"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".bench-installed.json"
PEERS = {"evidently": "evidently", "nannyml": "nannyml"}  # peer -> import name
BASE = ("duckdb", "pandas", "pyarrow", "numpy", "psutil")


def _pin(name: str) -> str:
    for line in LOCK.read_text().splitlines():
        if line.lower().startswith(name.lower() + "=="):
            return line.strip()
    return name


def _pip(args: list[str], log: Path, timeout: float) -> tuple[bool, str]:
    command = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-c", str(LOCK), *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"pip install {' '.join(args)} timed out after {timeout:.0f} s"
    with open(log, "a") as handle:
        handle.write(f"$ {' '.join(command)}\n{done.stdout}\n{done.stderr}\n")
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.startswith("ERROR")] or done.stderr.splitlines()[-1:]
        return False, f"pip install {' '.join(args)} failed: {' '.join(lines)[:400]}"
    return True, ""


def version(module: str) -> tuple[str | None, str | None]:
    """(version, None) if ``module`` imports in the peers' environment, else (None, reason)."""
    if not PYTHON.exists():
        return None, "no peers environment"
    done = subprocess.run([str(PYTHON), "-c", f"import {module}; print({module}.__version__)"],
                          capture_output=True, text=True, env={"NML_DISABLE_USAGE_LOGGING": "1", "PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["import failed"])[-1]
        return None, f"import {module} failed: {tail[:300]}"
    return done.stdout.strip().splitlines()[-1], None


def ensure(log: Path, timeout: float = 1200.0) -> dict[str, dict]:
    """Create/refresh the environment when the lock changed; return each peer's status."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    stamp = json.loads(STAMP.read_text()) if STAMP.exists() else {}
    status: dict[str, dict] = {}
    if stamp.get("lock") != digest or not PYTHON.exists():
        log.parent.mkdir(parents=True, exist_ok=True)
        if not PYTHON.exists():
            done = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
            if done.returncode != 0:
                reason = f"python -m venv failed: {done.stderr.strip()[-300:]}"
                return {peer: {"ok": False, "version": None, "reason": reason} for peer in PEERS}
        ok, reason = _pip([_pin(p) for p in BASE], log, timeout)
        install = {}
        for peer in PEERS:
            install[peer] = _pip([_pin(peer)], log, timeout) if ok else (False, reason)
        STAMP.write_text(json.dumps({"lock": digest, "install": {p: list(v) for p, v in install.items()}}))
        stamp = json.loads(STAMP.read_text())
    for peer, module in PEERS.items():
        installed_ok, reason = stamp.get("install", {}).get(peer, [True, ""])
        found, why = version(module)
        status[peer] = {"ok": found is not None, "version": found, "pinned": _pin(peer),
                        "reason": None if found else (reason or why)}
    return status
