"""Great Expectations suites derived from a monitor's reference period.

``derive_suite`` reads the reference rows' statistics *in the warehouse* (one GROUP BY per
window, one GROUP BY per categorical column) and writes them down as a GE 1.x suite: the
relation's column set and catalogue types, the allowed categories, value ranges and
null-rate bounds. The tolerances follow the reference's own variation between windows
(see ``docs/quality.md``, "How the bounds are set"). Only per-window aggregates and the
category lists ever reach Python.

Suites are files that people review and edit like code (``expectations/<monitor>/<version>.json``).
The generator stores a hash of what it wrote in ``meta.shiftwatch.content_hash``; a file
whose content no longer matches its hash has been edited, and ``write_suite`` keeps it
unless told to overwrite it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from python_checks.config import Monitor
from python_checks.errors import ConfigError, WarehouseError

SUITE_FORMAT = 1

# How the bounds are set (docs/quality.md explains the reasoning).
RANGE_K = 4.0  # sds of the reference windows' extremes added beyond the reference extreme
RANGE_FRACTION = 0.25  # ... but never less than this fraction of the reference span
NULL_K = 4.0  # sds of the reference windows' null rates added beyond their maximum
NULL_FLOOR = 0.001  # plus this much, so a column never null in the reference tolerates 0.1%
MAX_CATEGORIES = 1000  # more distinct values than this: no value-set expectation

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL", "FLOAT4", "FLOAT8", "DOUBLE PRECISION"}
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "INT2", "INT4", "INT8"}
TEXT_TYPES = {"VARCHAR", "TEXT", "STRING", "CHAR", "CHARACTER VARYING", "CHARACTER"}

TABLE_COLUMNS = "expect_table_columns_to_match_set"
COLUMN_TYPE = "expect_column_values_to_be_of_type"
NOT_NULL = "expect_column_values_to_not_be_null"
BETWEEN = "expect_column_values_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"
UNIQUE = "expect_column_values_to_be_unique"


# -- types and SQL ------------------------------------------------------------------------
def is_float_type(type_name: str) -> bool:
    return type_name.upper() in FLOAT_TYPES


def is_numeric_type(type_name: str) -> bool:
    upper = type_name.upper()
    return upper in FLOAT_TYPES or upper in INTEGER_TYPES or upper.startswith(("DECIMAL", "NUMERIC"))


def nan_sql(warehouse: Any) -> str:
    """NaN as a SQL value, in the warehouse's spelling of the double type."""
    return f"cast('NaN' as {warehouse.double_type})"


def timestamp_literal(value: str | dt.datetime, column_type: str = "TIMESTAMP") -> str:
    """A portable timestamp literal for comparing with a column of ``column_type``.

    Naive values are UTC. Against a TIMESTAMP WITH TIME ZONE column the literal carries the
    offset, so the comparison does not depend on the session's time zone.
    """
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    text = moment.isoformat(sep=" ")
    if "WITH TIME ZONE" in column_type.upper() or column_type.upper() == "TIMESTAMPTZ":
        return f"cast('{text}+00:00' as timestamp with time zone)"
    return f"cast('{text}' as timestamp)"


def reference_predicate(warehouse: Any, monitor: Monitor, timestamp_type: str = "TIMESTAMP") -> str:
    """``[from, to)`` of the monitor's fixed reference range on its timestamp, as SQL."""
    reference = monitor.reference
    if reference.kind != "range" or not reference.start or not reference.end:
        raise ConfigError(
            f"config: monitors[{monitor.name}].reference: deriving a suite needs a fixed reference "
            f"{{from: DATE, to: DATE}} (got {reference.kind}); pass the rows to derive from as a predicate instead")
    ts = warehouse.quote(monitor.timestamp)
    return (f"{ts} >= {timestamp_literal(reference.start, timestamp_type)} and "
            f"{ts} < {timestamp_literal(reference.end, timestamp_type)}")


def _window_key_sql(warehouse: Any, monitor: Monitor) -> str:
    """Groups rows into the monitor's windows, to measure the variation between windows.

    Calendar windows of N units are grouped by single units: the finer grouping varies at
    least as much, so the tolerances err on the lenient side. Row windows are numbered
    within the derived rows by (timestamp, id).
    """
    ts = warehouse.quote(monitor.timestamp)
    if monitor.window.rows is not None:
        order = f"{ts}, {warehouse.quote(monitor.id)}"
        return f"floor((row_number() over (order by {order}) - 1) * 1.0 / {int(monitor.window.rows)})"
    return f"date_trunc('{monitor.window.every_unit}', {ts})"


# -- columns ------------------------------------------------------------------------------
def monitored_columns(monitor: Monitor, columns: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(numeric, categorical) feature columns; inferred from the types when the config lists none."""
    names = [name for name, _ in columns]
    if monitor.numeric or monitor.categorical:
        missing = [c for c in (*monitor.numeric, *monitor.categorical) if c not in names]
        if missing:
            raise ConfigError(f"config: monitors[{monitor.name}].features: {', '.join(missing)} not in "
                              f"{monitor.relation.dotted} (columns: {', '.join(names)})")
        return list(monitor.numeric), list(monitor.categorical)
    skip = {monitor.id, monitor.timestamp, monitor.schema_version_column}
    numeric = [n for n, t in columns if n not in skip and is_numeric_type(t)]
    categorical = [n for n, t in columns if n not in skip and t.upper() in TEXT_TYPES]
    return numeric, categorical


# -- derivation ---------------------------------------------------------------------------
def derive_suite(warehouse: Any, monitor: Monitor, *, version: str, where_sql: str | None = None,
                 window_stats: pa.Table | None = None) -> dict:
    """Derive a GE 1.x suite (a JSON-serialisable dict) for one schema version of a monitor.

    The rows are the monitor's reference range ``[from, to)`` on its timestamp, or those
    matching ``where_sql`` (a SQL predicate the caller builds, e.g. ``"schema_version" = 'v2'``).
    Records the relation's columns and catalogue types, allowed categories of the categorical
    features, value ranges of the numeric features and null-rate bounds of all features.

    ``window_stats`` may supply per-window statistics already computed (the
    ``feature_windows`` shape: window_start, column_name, n, n_null, min, max, limited to
    the rows to derive from); columns it covers are not aggregated again.
    """
    columns = warehouse.columns(monitor.relation)
    if not columns:
        raise WarehouseError(f"monitor {monitor.name}: relation {monitor.relation.dotted} not found")
    types = dict(columns)
    numeric, categorical = monitored_columns(monitor, columns)
    if monitor.timestamp not in types:
        raise ConfigError(f"config: monitors[{monitor.name}].timestamp: {monitor.timestamp} not in "
                          f"{monitor.relation.dotted}")
    predicate = where_sql if where_sql is not None else \
        reference_predicate(warehouse, monitor, types[monitor.timestamp])
    relation = warehouse.relation(monitor.relation)

    features = [*numeric, *categorical]
    stats = _stats_from_table(window_stats, features, numeric) if window_stats is not None else {}
    to_query = [c for c in features if c not in stats]
    if to_query:
        stats.update(_query_window_stats(warehouse, monitor, relation, predicate, types,
                                         [c for c in numeric if c in to_query],
                                         [c for c in categorical if c in to_query]))
    windows = max((len(s["n"]) for s in stats.values()), default=0)
    rows = max((sum(s["n"]) for s in stats.values()), default=0)
    if features and rows == 0:
        raise WarehouseError(f"monitor {monitor.name}: no rows to derive suite {version} from "
                             f"({monitor.relation.dotted} where {predicate})")
    categories = _query_categories(warehouse, relation, predicate, categorical)

    expectations: list[dict] = [
        _expectation(TABLE_COLUMNS, {"column_set": [n for n, _ in columns], "exact_match": True}),
        *(_expectation(COLUMN_TYPE, {"column": n, "type_": t}) for n, t in columns),
    ]
    skipped: dict[str, str] = {}
    # The id names one event: predictions and labels join on it, the sample is keyed by it.
    duplicates = _query_duplicate_ids(warehouse, relation, predicate, monitor.id)
    if duplicates:
        skipped[monitor.id] = f"{duplicates} duplicate ids in the rows derived from: no uniqueness expectation"
    else:
        expectations.append(_expectation(UNIQUE, {"column": monitor.id}))
    for column in features:
        expectation = _null_expectation(column, stats[column])
        if expectation:
            expectations.append(expectation)
    for column in numeric:
        expectation = _range_expectation(column, stats[column], types[column])
        if expectation:
            expectations.append(expectation)
    for column in categorical:
        values, distinct = categories.get(column, ([], 0))
        if distinct > MAX_CATEGORIES:
            skipped[column] = f"{distinct} distinct values (more than {MAX_CATEGORIES}): no value set"
            continue
        if values:
            expectations.append(_expectation(IN_SET, {"column": column, "value_set": values},
                                             {"distinct": distinct}))

    suite = {
        "name": f"{monitor.name}.{version}",
        "expectations": expectations,
        "meta": {
            "shiftwatch": {
                "format": SUITE_FORMAT,
                "monitor": monitor.name,
                "relation": monitor.relation.dotted,
                "schema_version": version,
                "derived_from": predicate,
                "windows": windows,
                "rows": rows,
                "columns": [{"name": n, "type": t} for n, t in columns],
                "numeric": numeric,
                "categorical": categorical,
                "tolerances": {"range_k": RANGE_K, "range_fraction": RANGE_FRACTION,
                               "null_k": NULL_K, "null_floor": NULL_FLOOR},
                **({"skipped": skipped} if skipped else {}),
            },
        },
        "notes": (f"Derived by shiftwatch from {monitor.relation.dotted} where {predicate} "
                  f"({rows} rows in {windows} windows). Edit freely: an edited suite is kept on re-derivation."),
    }
    suite["meta"]["shiftwatch"]["content_hash"] = content_hash(suite)
    return suite


def _expectation(type_: str, kwargs: dict, reference: dict | None = None) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"shiftwatch": {"reference": reference}} if reference else {}}


def _query_window_stats(warehouse: Any, monitor: Monitor, relation: str, predicate: str,
                        types: dict[str, str], numeric: list[str], categorical: list[str]) -> dict[str, dict]:
    """Per window and column: rows, NULLs, NaNs and the min and max of the other values, in
    one GROUP BY. NaN is a value to SQL (and to GE): not NULL, and above every number."""
    selects = ["count(*) as n"]
    inner = [f"{_window_key_sql(warehouse, monitor)} as sw_window"]
    for i, column in enumerate([*numeric, *categorical]):
        quoted = warehouse.quote(column)
        inner.append(f"{quoted} as c{i}")
        selects.append(f"count(c{i}) as nn{i}")
        if column in numeric:
            number = f"c{i}"
            if is_float_type(types[column]):
                inner.append(f"case when {quoted} = {nan_sql(warehouse)} then 1 else 0 end as nan{i}")
                selects.append(f"sum(nan{i}) as nan{i}")
                number = f"case when nan{i} = 1 then null else c{i} end"
            selects.append(f"min({number}) as lo{i}")
            selects.append(f"max({number}) as hi{i}")
    sql = (f"select sw_window, {', '.join(selects)} from (select {', '.join(inner)} from {relation} "
           f"where {predicate}) scoped group by sw_window order by sw_window")
    table = warehouse.arrow(sql)
    n = [int(v) for v in table["n"].to_pylist()]
    out: dict[str, dict] = {}
    for i, column in enumerate([*numeric, *categorical]):
        non_null = table[f"nn{i}"].to_pylist()
        out[column] = {"n": n, "n_null": [a - int(b) for a, b in zip(n, non_null)]}
        if column in numeric:
            out[column]["min"] = table[f"lo{i}"].to_pylist()
            out[column]["max"] = table[f"hi{i}"].to_pylist()
            if f"nan{i}" in table.column_names:
                out[column]["n_nan"] = [int(v or 0) for v in table[f"nan{i}"].to_pylist()]
    return out


def _stats_from_table(table: pa.Table, features: list[str], numeric: list[str]) -> dict[str, dict]:
    rows = table.to_pylist()
    out: dict[str, dict] = {}
    for column in features:
        mine = sorted((r for r in rows if r.get("column_name") == column), key=lambda r: r["window_start"])
        if not mine:
            continue
        n = [int(r["n"]) for r in mine]
        n_null = [int(r["n_null"]) for r in mine]
        out[column] = {"n": n, "n_null": n_null}
        if column in numeric:
            out[column]["min"] = [r.get("min") for r in mine]
            out[column]["max"] = [r.get("max") for r in mine]
    return out


def _query_duplicate_ids(warehouse: Any, relation: str, predicate: str, id_column: str) -> int:
    """Rows whose id another row of the derived rows already has (NULL ids aside)."""
    quoted = warehouse.quote(id_column)
    table = warehouse.arrow(f"select count({quoted}) - count(distinct {quoted}) as duplicates "
                            f"from {relation} where {predicate}")
    return int(table["duplicates"][0].as_py() or 0)


def _query_categories(warehouse: Any, relation: str, predicate: str,
                      categorical: list[str]) -> dict[str, tuple[list[str], int]]:
    """Distinct non-null values per categorical column (at most MAX_CATEGORIES of them)."""
    if not categorical:
        return {}
    parts = [
        f"select {i} as col, cast({warehouse.quote(c)} as {warehouse.string_type}) as category from {relation} "
        f"where ({predicate}) and {warehouse.quote(c)} is not null group by {warehouse.quote(c)}"
        for i, c in enumerate(categorical)
    ]
    sql = (f"with found as ({' union all '.join(parts)}), "
           "counted as (select col, count(*) as distinct_values from found group by col) "
           "select found.col, found.category, counted.distinct_values from found "
           "join counted on found.col = counted.col "
           f"where counted.distinct_values <= {MAX_CATEGORIES} "
           "union all select col, null, distinct_values from counted "
           f"where distinct_values > {MAX_CATEGORIES}")
    table = warehouse.arrow(sql)
    out: dict[str, tuple[list[str], int]] = {}
    for col, category, distinct in zip(*(table[c].to_pylist() for c in table.column_names)):
        values, _ = out.get(categorical[col], ([], 0))
        if category is not None:
            values.append(category)
        out[categorical[col]] = (values, int(distinct))
    return {c: (sorted(v), d) for c, (v, d) in out.items()}


def _sd(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _rate_bound(counts: list[int], hits: list[int]) -> tuple[float, float, float, float] | None:
    """Upper bound on a per-window share: max window share + NULL_K sd + NULL_FLOOR.

    The sd is the larger of the between-window sd and the binomial sd at the pooled share in
    the smallest window, so a reference with few windows is not trusted to show its spread.
    Returns (bound, max share, pooled share, sd), or None without rows.
    """
    pairs = [(n, k) for n, k in zip(counts, hits) if n > 0]
    if not pairs:
        return None
    rates = [k / n for n, k in pairs]
    pooled = sum(k for _, k in pairs) / sum(n for n, _ in pairs)
    binomial_sd = math.sqrt(pooled * (1 - pooled) / min(n for n, _ in pairs))
    sd = max(_sd(rates), binomial_sd)
    return max(rates) + NULL_K * sd + NULL_FLOOR, max(rates), pooled, sd


def _mostly(bound: float) -> float:
    return math.floor((1 - bound) * 10_000) / 10_000  # rounded down: never stricter than derived


def _null_expectation(column: str, stats: dict) -> dict | None:
    """``mostly`` = 1 - (max window null rate + NULL_K sd + NULL_FLOOR)."""
    bound = _rate_bound(stats["n"], stats["n_null"])
    if bound is None or bound[0] >= 1:
        return None
    upper, highest, pooled, sd = bound
    return _expectation(NOT_NULL, {"column": column, "mostly": _mostly(upper)},
                        {"max_window_null_rate": _round6(highest), "null_rate": _round6(pooled),
                         "window_sd": _round6(sd)})


def _range_expectation(column: str, stats: dict, type_name: str) -> dict | None:
    """[min - tol_low, max + tol_high], tol = max(RANGE_K sd(window extremes), RANGE_FRACTION span).

    For a strictly positive column (reference minimum > 0: amounts, durations, ages) the
    upper bound is the larger of that and the same rule on the log scale, because a
    right-skewed tail (lognormal, Pareto-like) grows by factors, not by steps. The data
    cannot tell whether a column is non-negative by nature; people who know add
    ``min_value: 0`` by editing the suite, and an edited suite is kept.
    """
    lows = [float(v) for v in stats["min"] if v is not None and math.isfinite(float(v))]
    highs = [float(v) for v in stats["max"] if v is not None and math.isfinite(float(v))]
    if not lows or not highs:
        return None
    low, high = min(lows), max(highs)
    span = high - low
    min_value = low - max(RANGE_K * _sd(lows), RANGE_FRACTION * span)
    max_value = high + max(RANGE_K * _sd(highs), RANGE_FRACTION * span)
    positive = low > 0
    if positive:
        log_highs = [math.log(v) for v in highs]
        log_span = math.log(high) - math.log(low)
        max_value = max(max_value, math.exp(math.log(high) + max(RANGE_K * _sd(log_highs), RANGE_FRACTION * log_span)))
    if type_name.upper() in INTEGER_TYPES:
        min_value, max_value = math.floor(min_value), math.ceil(max_value)
    else:
        min_value, max_value = _round_out(min_value, -1), _round_out(max_value, 1)
    kwargs = {"column": column, "min_value": min_value, "max_value": max_value}
    reference = {"min": _plain_number(low), "max": _plain_number(high), "positive": positive,
                 "window_min_sd": _round6(_sd(lows)), "window_max_sd": _round6(_sd(highs))}
    if any(stats.get("n_nan") or []):
        # NaN lies outside every range; tolerate the share of NaN the reference had.
        non_null = [n - k for n, k in zip(stats["n"], stats["n_null"])]
        bound = _rate_bound(non_null, stats["n_nan"])
        if bound is not None and bound[0] < 1:
            kwargs["mostly"] = _mostly(bound[0])
            reference["max_window_nan_rate"] = _round6(bound[1])
    return _expectation(BETWEEN, kwargs, reference)


def _round6(value: float) -> float:
    return float(f"{value:.6g}")


def _round_out(value: float, direction: int, digits: int = 6) -> float:
    """Round to ``digits`` significant digits, away from the range's inside."""
    if value == 0 or not math.isfinite(value):
        return value
    scale = 10 ** (digits - 1 - math.floor(math.log10(abs(value))))
    rounded = (math.ceil(value * scale) if direction > 0 else math.floor(value * scale)) / scale
    return float(rounded)


def _plain_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# -- files --------------------------------------------------------------------------------
def content_hash(suite: dict) -> str:
    """sha256 of the suite's canonical JSON, without the hash itself."""
    copy = json.loads(json.dumps(suite))
    copy.get("meta", {}).get("shiftwatch", {}).pop("content_hash", None)
    canonical = json.dumps(copy, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def is_edited(suite: dict) -> bool:
    """True when the suite no longer matches the hash shiftwatch stored when it wrote it
    (or carries no hash at all: then a person wrote it)."""
    stored = suite.get("meta", {}).get("shiftwatch", {}).get("content_hash")
    return stored != content_hash(suite)


def suite_path(expectations_dir: str | Path, monitor_name: str, version: str) -> Path:
    return Path(expectations_dir) / monitor_name / f"{version}.json"


def load_suite(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"expectations: no suite at {path} (run `shiftwatch init` to derive it)")
    try:
        suite = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigError(f"expectations: {path} is not valid JSON (line {exc.lineno}): {exc.msg}") from None
    if not isinstance(suite, dict) or not isinstance(suite.get("expectations"), list):
        raise ConfigError(f"expectations: {path} is not a GE suite (expected an object with 'expectations')")
    for index, expectation in enumerate(suite["expectations"]):
        if not isinstance(expectation, dict) or not isinstance(expectation.get("type"), str) \
                or not isinstance(expectation.get("kwargs", {}), dict):
            raise ConfigError(f"expectations: {path}: expectations[{index}] needs 'type' and 'kwargs'")
    return suite


def write_suite(path: str | Path, suite: dict, *, force: bool = False) -> str:
    """Write a derived suite. Returns 'written', 'unchanged' (same content already there) or
    'kept' (the file was edited by people and ``force`` is false: left as it is)."""
    path = Path(path)
    if path.exists():
        try:
            existing = json.loads(path.read_text())
        except json.JSONDecodeError:
            existing = None
        if existing == suite:
            return "unchanged"
        if not force and (not isinstance(existing, dict) or is_edited(existing)):
            return "kept"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(suite, indent=2) + "\n")
    tmp.replace(path)
    return "written"
