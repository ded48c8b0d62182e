"""Suite validation in plain SQL, for warehouses Great Expectations cannot reach cheaply.

GE validates through SQLAlchemy (python_checks.quality.validate). An in-process Spark
session has no SQLAlchemy dialect, and GE's own Spark engine would run several Spark jobs
per window and expectation. So on such a warehouse the expectations that shiftwatch derives
(``suites.derive_suite``) are checked here, with GE's definitions, in one GROUP BY over all
windows of a suite, plus one for each uniqueness expectation:

- ``expect_column_values_to_not_be_null``: (rows - nulls) / rows >= mostly;
- ``expect_column_values_to_be_between``: (non-null - outside) / non-null >= mostly, bounds
  inclusive unless ``strict_min``/``strict_max``; NaN lies above every number, as in SQL;
- ``expect_column_values_to_be_in_set``: (non-null - not in the set) / non-null >= mostly;
- ``expect_column_values_to_be_unique``: every row whose non-null value repeats in the
  window is unexpected;
- the column set and column types, against the catalogue, as on every engine.

An empty window (or one with no non-null values) passes, as in GE. Any other expectation
type, or any of these with options this module does not implement (``row_condition``...),
is reported with ``success`` NULL and ``details.skipped`` saying why: never silently
dropped, never a crash. The rows have the shape and the ``observed_value`` of the GE path.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Sequence
from typing import Any

import pyarrow as pa

from python_checks.config import Monitor
from python_checks.quality.suites import BETWEEN, IN_SET, NOT_NULL, UNIQUE, timestamp_literal
from python_checks.quality.validate import (
    RELATION_LEVEL,
    _as_datetime,
    _columns_of,
    _expected,
    _map_observed,
    _row,
    _suite_name,
    _to_table,
    plan_validation,
)

SUPPORTED = {NOT_NULL, BETWEEN, IN_SET, UNIQUE}
# kwargs each supported type understands; any other kwarg (row_condition, parse_strings_as_datetimes,
# ...) changes the meaning, so such an expectation is skipped rather than checked wrongly.
KNOWN_KWARGS = {
    NOT_NULL: {"column", "mostly"},
    BETWEEN: {"column", "min_value", "max_value", "strict_min", "strict_max", "mostly"},
    IN_SET: {"column", "value_set", "mostly"},
    UNIQUE: {"column", "mostly"},
}
IGNORED_KWARGS = {"result_format", "include_config", "catch_exceptions", "meta", "batch_id"}
SKIP_REASON = "Great Expectations does not validate this warehouse; shiftwatch's SQL checks do not implement {what}"


def validate_windows_sql(warehouse: Any, monitor: Monitor, suites: dict[str, dict], windows: Sequence[Any], *,
                         run_id: str, progress: Callable[[int, int], None] | None = None,
                         only: Collection[dt.datetime] | None = None) -> pa.Table:
    """Same contract as ``validate.validate_windows``: one row per expectation and window,
    relation-level expectations once (window_start NULL); ``only`` as there."""
    plan = plan_validation(warehouse, monitor, suites, windows, run_id=run_id, only=only)
    rows, by_version, live, base = plan.rows, plan.by_version, plan.live, plan.base
    done, total = 0, sum(len(w) for w in by_version.values())
    for version, version_windows in by_version.items():
        suite = suites[version]
        meta = {**base, "suite": _suite_name(suite, monitor, version), "schema_version": version}
        for start, end, result in _SuiteQuery(warehouse, monitor, live, suite).run(version_windows):
            rows.append({**meta, "window_start": start, "window_end": end, **result})
        done += len(version_windows)
        if progress is not None:
            progress(done, total)
    return _to_table(rows)


def skipped_expectations(suites: dict[str, dict]) -> dict[str, int]:
    """Expectation types (with a count) that the SQL checks cannot run, over all suites."""
    counts: dict[str, int] = {}
    for suite in suites.values():
        for expectation in suite.get("expectations", []):
            type_, kwargs = expectation.get("type"), expectation.get("kwargs") or {}
            if type_ in RELATION_LEVEL:
                continue
            if _unsupported(type_, kwargs):
                counts[type_] = counts.get(type_, 0) + 1
    return counts


def _unsupported(type_: str, kwargs: dict) -> str | None:
    if type_ not in SUPPORTED:
        return f"{type_}"
    extra = sorted(set(kwargs) - KNOWN_KWARGS[type_] - IGNORED_KWARGS)
    if extra:
        return f"{type_} with {', '.join(extra)}"
    if type_ == IN_SET and not _literal_set(kwargs.get("value_set")):
        return f"{type_} with this value_set"
    if type_ == BETWEEN and not all(v is None or _number(v) for v in (kwargs.get("min_value"), kwargs.get("max_value"))):
        return f"{type_} with non-numeric bounds"
    return None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _literal_set(values: Any) -> list[str] | None:
    """SQL literals of a value set of strings or of numbers; None for anything else."""
    if not isinstance(values, list) or not values:
        return None
    if all(isinstance(v, str) for v in values):
        return ["'" + v.replace("'", "''") + "'" for v in values]
    if all(_number(v) for v in values):
        return [repr(v) for v in values]
    return None


class _SuiteQuery:
    """The SQL that checks one suite's row-level expectations for many windows at once."""

    def __init__(self, warehouse: Any, monitor: Monitor, live: list[tuple[str, str]], suite: dict):
        self.wh = warehouse
        self.monitor = monitor
        self.types = {n.lower(): t for n, t in live}
        self.timestamp_type = self.types.get(monitor.timestamp.lower(), "TIMESTAMP")
        self.checks: list[tuple[str, dict]] = []  # (type, kwargs) to compute
        self.static: list[tuple[int, dict]] = []  # (position, row) the same in every window
        position = 0
        for expectation in suite.get("expectations", []):
            type_, kwargs = expectation.get("type"), dict(expectation.get("kwargs") or {})
            if type_ in RELATION_LEVEL:
                continue
            absent = [c for c in _columns_of(kwargs) if c.lower() not in self.types]
            reason = _unsupported(type_, kwargs)
            if absent:
                self.static.append((position, _row(type_, kwargs.get("column"), False, None, _expected(kwargs),
                                                   {"error": f"column(s) {', '.join(absent)} not in {monitor.relation.dotted}"})))
            elif reason:
                self.static.append((position, {**_row(type_, kwargs.get("column"), False, None, _expected(kwargs),
                                                      {"skipped": SKIP_REASON.format(what=reason)}), "success": None}))
            else:
                self.checks.append((type_, kwargs))
            position += 1

    def _scoped(self, windows: list[tuple[dt.datetime, dt.datetime]]) -> str:
        """The relation's rows with the window they fall in (a join with the window list:
        a broadcast of a few hundred bounds, no shuffle of the rows)."""
        bounds = " union all ".join(
            f"select {timestamp_literal(s, self.timestamp_type)} as sw_window_start, "
            f"{timestamp_literal(e, self.timestamp_type)} as sw_window_end" for s, e in windows)
        ts = f"r.{self.wh.quote(self.monitor.timestamp)}"
        return (f"(select w.sw_window_start, r.* from {self.wh.relation(self.monitor.relation)} as r "
                f"join ({bounds}) as w on {ts} >= w.sw_window_start and {ts} < w.sw_window_end)")

    def run(self, windows: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime, dict]]:
        scoped = self._scoped(windows)
        selects = ["count(*) as sw_rows"]
        for i, (type_, kwargs) in enumerate(self.checks):
            column = self.wh.quote(kwargs["column"])
            selects.append(f"count({column}) as nn{i}")
            outside = self._unexpected_sql(type_, kwargs, column)
            if outside is not None:
                selects.append(f"sum(case when {column} is not null and {outside} then 1 else 0 end) as un{i}")
        table = self.wh.arrow(f"select sw_window_start, {', '.join(selects)} from {scoped} as scoped "
                              "group by sw_window_start")
        counts = {_as_datetime(r["sw_window_start"]): r for r in table.to_pylist()}
        duplicates = {i: self._duplicates(scoped, kwargs["column"])
                      for i, (type_, kwargs) in enumerate(self.checks) if type_ == UNIQUE}
        out = []
        for start, end in windows:
            found = counts.get(start) or {}
            rows = found.get("sw_rows") or 0
            results = []
            for i, (type_, kwargs) in enumerate(self.checks):
                nonnull = int(found.get(f"nn{i}") or 0)
                if type_ == NOT_NULL:
                    unexpected = rows - nonnull
                    success = rows == 0 or (rows - unexpected) / rows >= float(kwargs.get("mostly", 1.0))
                    observed = _map_observed(rows, None, unexpected, rows)
                else:
                    unexpected = duplicates[i].get(start, 0) if type_ == UNIQUE else int(found.get(f"un{i}") or 0)
                    success = rows == 0 or nonnull == 0 or \
                        (nonnull - unexpected) / nonnull >= float(kwargs.get("mostly", 1.0))
                    observed = _map_observed(rows, rows - nonnull, unexpected, nonnull)
                details = None if success else {"validated_by": "sql", "unexpected_count": unexpected}
                results.append(_row(type_, kwargs.get("column"), success, observed, _expected(kwargs), details))
            for position, row in self.static:
                results.insert(position, dict(row))
            out.extend((start, end, r) for r in results)
        return out

    def _unexpected_sql(self, type_: str, kwargs: dict, column: str) -> str | None:
        if type_ == BETWEEN:
            parts = []
            if kwargs.get("min_value") is not None:
                parts.append(f"{column} {'>' if kwargs.get('strict_min') else '>='} {kwargs['min_value']!r}")
            if kwargs.get("max_value") is not None:
                parts.append(f"{column} {'<' if kwargs.get('strict_max') else '<='} {kwargs['max_value']!r}")
            return f"not ({' and '.join(parts)})" if parts else "1 = 0"
        if type_ == IN_SET:
            return f"{column} not in ({', '.join(_literal_set(kwargs['value_set']) or [])})"
        return None

    def _duplicates(self, scoped: str, column: str) -> dict[dt.datetime, int]:
        quoted = self.wh.quote(column)
        table = self.wh.arrow(
            f"select sw_window_start, sum(k) as duplicated from (select sw_window_start, {quoted}, count(*) as k "
            f"from {scoped} as scoped where {quoted} is not null group by sw_window_start, {quoted} "
            "having count(*) > 1) as repeated group by sw_window_start")
        return {_as_datetime(r["sw_window_start"]): int(r["duplicated"]) for r in table.to_pylist()}

