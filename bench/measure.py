"""Run one command as a child process and measure it: wall time, CPU time of the whole
process tree, and peak RSS.

- wall: monotonic clock around the child's life;
- CPU: user + system time from ``os.wait4`` (the child plus every descendant it waited
  for; DuckDB's and BLAS's threads are inside the processes, so they count);
- peak RSS: the largest sum of RSS over the process tree, polled with psutil every
  ``poll`` seconds, and never less than the largest single process's ``ru_maxrss``
  (which catches spikes shorter than the polling interval).

A timeout kills the child's process group (it is started in a session of its own) and is
recorded as a failed measurement.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil


@dataclass
class Measurement:
    name: str
    command: list[str]
    ok: bool
    returncode: int | None
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    peak_rss_single_mb: float
    reason: str | None = None
    stdout_path: str | None = None
    stderr_path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(name: str, command: list[str], *, log_dir: Path, env: dict[str, str] | None = None,
            cwd: str | Path | None = None, timeout: float | None = None, poll: float = 0.05,
            ok_codes: tuple[int, ...] = (0,)) -> Measurement:
    """Run ``command`` and measure it; stdout/stderr go to ``log_dir/name.{out,err}``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True)
        handle = psutil.Process(child.pid)
        peak = 0
        samples: list[tuple[float, int]] = []
        timed_out = False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            rss = _tree_rss(handle)
            samples.append((time.monotonic() - started, rss))
            peak = max(peak, rss)
            if timeout is not None and time.monotonic() - started > timeout:
                timed_out = True
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(poll)
        wall = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting again
    # The child's own ru_maxrss is not a fair peak: at exec Linux folds the forking process's
    # high-water RSS into it (a `sleep` started by a 0.8 GB Python reports 0.8 GB), and the
    # harness holds the generated data for a while. It is kept as peak_rss_single_mb, an upper
    # bound; the peak is the polled RSS of the child's process tree.
    single = usage.ru_maxrss / 1024  # KiB on Linux
    code = child.returncode
    ok = not timed_out and code in ok_codes
    reason = None
    if timed_out:
        reason = f"timed out after {timeout:.0f} s (killed)"
    elif not ok:
        reason = f"exit code {code}: {_last_line(err_path) or _last_line(out_path) or 'no output'}"
    m = Measurement(name=name, command=[str(c) for c in command], ok=ok, returncode=code, wall_s=round(wall, 3),
                    cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
                    peak_rss_mb=round(peak / 2**20 if samples else single, 1), peak_rss_single_mb=round(single, 1),
                    reason=reason, stdout_path=str(out_path), stderr_path=str(err_path))
    m.samples = samples  # (seconds since start, tree RSS bytes); not serialised
    return m


def peak_between(samples: list[tuple[float, int]], start: float, end: float | None) -> float | None:
    """Peak tree RSS (MB) among the samples taken in [start, end)."""
    values = [rss for t, rss in samples if t >= start and (end is None or t < end)]
    return round(max(values) / 2**20, 1) if values else None


def _last_line(path: Path) -> str:
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def failed(name: str, reason: str) -> Measurement:
    """A measurement that could not be taken (e.g. the tool does not install)."""
    return Measurement(name=name, command=[], ok=False, returncode=None, wall_s=float("nan"), cpu_s=float("nan"),
                       peak_rss_mb=float("nan"), peak_rss_single_mb=float("nan"), reason=reason)


def describe_signal(code: int | None) -> str:
    if code is not None and code < 0:
        return signal.Signals(-code).name
    return str(code)


def environ(**overrides: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env
