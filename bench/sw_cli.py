"""`shiftwatch` exactly as the console script runs it (``python_checks.cli:main``), with
timers around the drift-test families so the harness can say where the drift step goes.

The timers wrap ``python_checks.stats.mmd_test`` and the test methods of
``python_checks.checks.DriftChecks`` (looked up at call time, so wrapping them changes no
behaviour); their totals are printed to stderr at exit as one ``BENCH_TIMERS {json}`` line.
"""

from __future__ import annotations

import atexit
import functools
import json
import sys
import time
from collections import defaultdict

TIMERS: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def _timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMERS[name] += time.perf_counter() - t0
            CALLS[name] += 1

    return wrapper


def _install() -> None:
    from python_checks import checks, stats

    stats.mmd_test = _timed("mmd_test", stats.mmd_test)
    for method in ("ks", "histogram_distances", "categorical", "multivariate", "performance"):
        if hasattr(checks.DriftChecks, method):
            setattr(checks.DriftChecks, method, _timed(f"checks.{method}", getattr(checks.DriftChecks, method)))


def _report() -> None:
    payload = {k: {"s": round(v, 3), "calls": CALLS[k]} for k, v in TIMERS.items()}
    print("BENCH_TIMERS " + json.dumps(payload), file=sys.stderr, flush=True)


if __name__ == "__main__":
    _install()
    atexit.register(_report)
    from python_checks.cli import main

    sys.argv[0] = "shiftwatch"
    main()
