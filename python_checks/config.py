"""The monitor config: parsing, validation and normalisation.

The config is one YAML document (see docs/DESIGN.md, "Monitor config"). It is validated
completely before any SQL runs; every problem is reported as one line that names the
monitor, the key and what was expected. The normalised form (every default filled in) is
what dbt receives as ``vars`` and what the Python layer works from, so dbt and Python can
never disagree about a default.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from python_checks.errors import ConfigError
from python_checks.stats.decision import DEFAULT_MIN_EFFECT as STATS_DEFAULT_MIN_EFFECT

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MONITOR_NAME = re.compile(r"^[a-z0-9_]+$")
WINDOW_UNITS = ("hour", "day", "week", "month")

# One source for the defaults: python_checks.stats.decision (docs/statistics.md).
DEFAULT_MIN_EFFECT = dict(STATS_DEFAULT_MIN_EFFECT)
TOP_LEVEL_KEYS = {"results_schema", "expectations_dir", "monitors", "sample_size", "reference_sample_size",
                  "permutations", "seed", "memory_limit", "lock_timeout"}
MONITOR_KEYS = {"name", "relation", "id", "timestamp", "window", "reference", "features",
                "predictions", "labels", "segments", "schema_version", "schema_version_column", "mmd_per_feature",
                "thresholds"}
THRESHOLD_KEYS = {"alpha", "fdr", "min_effect", "persist"}


@dataclass(frozen=True)
class Relation:
    """A relation named ``[schema.]table``. Parts are validated identifiers, never raw SQL."""

    schema: str | None
    name: str

    @property
    def dotted(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class WindowSpec:
    every_n: int | None = None  # with every_unit: calendar windows of N units
    every_unit: str | None = None
    rows: int | None = None  # or consecutive blocks of N rows, by (timestamp, id)

    def describe(self) -> str:
        return f"every {self.every_n} {self.every_unit}" if self.rows is None else f"rows {self.rows}"


@dataclass(frozen=True)
class ReferenceSpec:
    kind: str  # range | previous | rolling
    start: str | None = None  # ISO date/timestamp, inclusive
    end: str | None = None  # ISO date/timestamp, exclusive
    windows: int | None = None  # k for previous/rolling


@dataclass(frozen=True)
class Thresholds:
    alpha: float = 0.05
    fdr: bool = True
    persist: int = 1
    min_effect: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIN_EFFECT))


@dataclass(frozen=True)
class PredictionSpec:
    relation: Relation
    scores: tuple[str, ...]
    label: str | None
    model_version: str | None


@dataclass(frozen=True)
class LabelSpec:
    relation: Relation
    column: str
    timestamp: str | None


@dataclass(frozen=True)
class Monitor:
    name: str
    relation: Relation
    id: str
    timestamp: str
    window: WindowSpec
    reference: ReferenceSpec
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    predictions: PredictionSpec | None
    labels: LabelSpec | None
    segments: tuple[str, ...]
    schema_version: str
    schema_version_column: str | None
    thresholds: Thresholds
    features_inferred: bool = False
    mmd_per_feature: bool = False  # also an MMD test per numeric feature (the multivariate one always runs)


@dataclass(frozen=True)
class Config:
    results_schema: str
    expectations_dir: str
    monitors: tuple[Monitor, ...]
    sample_size: int = 2000  # rows per window in the deterministic sample (MMD)
    reference_sample_size: int = 4000
    permutations: int = 200  # the Pearson III tail fit takes over beyond the permutation floor
    seed: int = 0
    memory_limit: str = "1GB"  # DuckDB; with sort-based quantiles a 10M-row monitor fits (docs/reliability.md)
    lock_timeout: float = 30.0

    def monitor(self, name: str) -> Monitor:
        for m in self.monitors:
            if m.name == name:
                return m
        raise ConfigError(f"config: no monitor named {name!r}; known: {', '.join(m.name for m in self.monitors)}")

    def to_vars(self) -> dict[str, Any]:
        """The normalised config as dbt ``vars`` (JSON-serialisable, every default explicit)."""
        return {"shiftwatch": _plain(self)}


def _plain(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        return {k: _plain(v) for k, v in asdict(obj).items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


class _Problems:
    """Collects every problem, so a user fixes the whole config in one go."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"config: {where}: {message}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise ConfigError(self.lines)


def _unknown_keys(mapping: dict, known: set[str]) -> list[str]:
    """The keys of ``mapping`` not in ``known``, each printable on one line, in a stable order
    (YAML keys need not be strings: numbers, booleans and null sort among them as text)."""
    return sorted(key if isinstance(key, str) and IDENTIFIER.match(key) else repr(key)
                  for key in mapping if key not in known)


def _is_number(value: Any) -> bool:
    """A finite int or float; booleans, NaN and infinities are not numbers here."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def load_config(*, config_file: str | Path | None = None, project_dir: str | Path = ".") -> Config:
    """Read the config from ``config_file`` or from ``vars: shiftwatch:`` in dbt_project.yml."""
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"config: file not found: {path}")
        document = _read_yaml(path)
        if isinstance(document, dict) and "shiftwatch" in document:
            document = document["shiftwatch"]
    else:
        path = Path(project_dir) / "dbt_project.yml"
        if not path.is_file():
            raise ConfigError(f"config: no dbt_project.yml in {Path(project_dir).resolve()} (use --project-dir)")
        project = _read_yaml(path) or {}
        document = (project.get("vars") or {}).get("shiftwatch")
        if document is None:
            raise ConfigError(f"config: {path} has no 'vars: shiftwatch:' block (or pass --config FILE)")
    return parse_config(document)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config: {path} is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None


def parse_config(document: Any) -> Config:
    """Validate a config document and return it normalised. Raises ConfigError listing every problem."""
    problems = _Problems()
    if not isinstance(document, dict):
        raise ConfigError("config: expected a mapping with 'results_schema' and 'monitors'")
    for key in _unknown_keys(document, TOP_LEVEL_KEYS):
        problems.add(key, f"unknown key (expected one of {', '.join(sorted(TOP_LEVEL_KEYS))})")
    results_schema = document.get("results_schema", "shiftwatch_results")
    if not isinstance(results_schema, str) or not IDENTIFIER.match(results_schema):
        problems.add("results_schema", f"expected an identifier [A-Za-z_][A-Za-z0-9_]*, got {results_schema!r}")
    expectations_dir = document.get("expectations_dir", "expectations")
    if not isinstance(expectations_dir, str) or not expectations_dir:
        problems.add("expectations_dir", f"expected a directory path, got {expectations_dir!r}")
    sizes = {}
    for key, default in (("sample_size", 2000), ("reference_sample_size", 4000), ("permutations", 200), ("seed", 0)):
        value = document.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if key == "seed" else 10):
            problems.add(key, f"expected an integer >= {0 if key == 'seed' else 10}, got {value!r}")
            value = default
        sizes[key] = value
    memory_limit = document.get("memory_limit", "1GB")
    if not isinstance(memory_limit, str) or not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", memory_limit):
        problems.add("memory_limit", f"expected a size such as '4GB', got {memory_limit!r}")
        memory_limit = "1GB"
    lock_timeout = document.get("lock_timeout", 30.0)
    if not _is_number(lock_timeout) or lock_timeout < 0:
        problems.add("lock_timeout", f"expected seconds >= 0, got {lock_timeout!r}")
        lock_timeout = 30.0

    raw_monitors = document.get("monitors")
    monitors: list[Monitor] = []
    if not isinstance(raw_monitors, list) or not raw_monitors:
        problems.add("monitors", "expected a non-empty list of monitors")
        raw_monitors = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_monitors):
        monitor = _parse_monitor(raw, index, problems)
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not MONITOR_NAME.match(name):
            continue  # reported by _parse_monitor
        if name in seen:
            problems.add(f"monitors[{name}].name", "duplicate monitor name")
        seen.add(name)
        if monitor is not None:
            monitors.append(monitor)
    problems.raise_if_any()
    return Config(results_schema=results_schema, expectations_dir=expectations_dir, monitors=tuple(monitors),
                  memory_limit=memory_limit, lock_timeout=float(lock_timeout),
                  **sizes)


def _parse_monitor(raw: Any, index: int, problems: _Problems) -> Monitor | None:
    if not isinstance(raw, dict):
        problems.add(f"monitors[{index}]", "expected a mapping")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not MONITOR_NAME.match(name):
        problems.add(f"monitors[{index}].name", f"expected [a-z0-9_]+, got {name!r}")
        name = f"#{index}"
    at = f"monitors[{name}]"
    for key in _unknown_keys(raw, MONITOR_KEYS):
        problems.add(f"{at}.{key}", f"unknown key (expected one of {', '.join(sorted(MONITOR_KEYS))})")

    relation = _relation(raw.get("relation"), f"{at}.relation", problems)
    id_column = _identifier(raw.get("id"), f"{at}.id", problems)
    timestamp = _identifier(raw.get("timestamp"), f"{at}.timestamp", problems)
    window = _window(raw.get("window"), f"{at}.window", problems)
    reference = _reference(raw.get("reference"), f"{at}.reference", problems)

    features = raw.get("features")
    features = {} if features is None else features
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    if not isinstance(features, dict):
        problems.add(f"{at}.features", "expected a mapping with 'numeric' and/or 'categorical' lists")
    else:
        for key in _unknown_keys(features, {"numeric", "categorical"}):
            problems.add(f"{at}.features.{key}", "unknown key (expected numeric or categorical)")
        numeric = _identifier_list(features.get("numeric", []), f"{at}.features.numeric", problems)
        categorical = _identifier_list(features.get("categorical", []), f"{at}.features.categorical", problems)
        for column in sorted(set(numeric) & set(categorical)):
            problems.add(f"{at}.features", f"column {column!r} is listed as both numeric and categorical")

    predictions = None
    if raw.get("predictions") is not None:
        predictions = _predictions(raw["predictions"], relation, f"{at}.predictions", problems)
    labels = None
    if raw.get("labels") is not None:
        labels = _labels(raw["labels"], relation, f"{at}.labels", problems)
    segments = _identifier_list(raw.get("segments", []), f"{at}.segments", problems)

    schema_version = raw.get("schema_version", "v1")
    if not isinstance(schema_version, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", schema_version):
        problems.add(f"{at}.schema_version", f"expected a version name such as 'v1', got {schema_version!r}")
        schema_version = "v1"
    schema_version_column = raw.get("schema_version_column")
    if schema_version_column is not None:
        schema_version_column = _identifier(schema_version_column, f"{at}.schema_version_column", problems)
    thresholds = _thresholds(raw.get("thresholds", {}), f"{at}.thresholds", problems)
    mmd_per_feature = raw.get("mmd_per_feature", False)
    if not isinstance(mmd_per_feature, bool):
        problems.add(f"{at}.mmd_per_feature", f"expected true or false, got {mmd_per_feature!r}")
        mmd_per_feature = False

    if relation is None or id_column is None or timestamp is None or window is None or reference is None:
        return None
    return Monitor(name=name, relation=relation, id=id_column, timestamp=timestamp, window=window,
                   reference=reference, numeric=numeric, categorical=categorical, predictions=predictions,
                   labels=labels, segments=segments, schema_version=schema_version,
                   schema_version_column=schema_version_column, thresholds=thresholds,
                   features_inferred=not (numeric or categorical), mmd_per_feature=mmd_per_feature)


def _identifier(value: Any, where: str, problems: _Problems) -> str | None:
    if value is None:
        problems.add(where, "missing (expected a column name)")
        return None
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        problems.add(where, f"expected an identifier [A-Za-z_][A-Za-z0-9_]*, got {value!r}")
        return None
    return value


def _identifier_list(value: Any, where: str, problems: _Problems) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.add(where, f"expected a list of column names, got {value!r}")
        return ()
    names = [n for i, v in enumerate(value) if (n := _identifier(v, f"{where}[{i}]", problems))]
    if len(set(names)) != len(names):
        problems.add(where, "lists a column twice")
    return tuple(names)


def _relation(value: Any, where: str, problems: _Problems) -> Relation | None:
    if not isinstance(value, str) or not value:
        problems.add(where, f"expected 'schema.table' or 'table', got {value!r}")
        return None
    parts = value.split(".")
    if len(parts) > 2 or not all(IDENTIFIER.match(p) for p in parts):
        problems.add(where, f"expected 'schema.table' of identifiers [A-Za-z_][A-Za-z0-9_]*, got {value!r}")
        return None
    return Relation(schema=parts[0], name=parts[1]) if len(parts) == 2 else Relation(schema=None, name=parts[0])


def _window(value: Any, where: str, problems: _Problems) -> WindowSpec | None:
    expected = "expected {every: '<N> hour|day|week|month'} or {rows: N}"
    if not isinstance(value, dict) or len(value) != 1 or not ({"every", "rows"} & set(value)):
        problems.add(where, f"{expected}, got {value!r}")
        return None
    if "rows" in value:
        rows = value["rows"]
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 2:
            problems.add(f"{where}.rows", f"expected an integer >= 2, got {rows!r}")
            return None
        return WindowSpec(rows=rows)
    match = re.fullmatch(r"\s*(\d+)\s+(hour|day|week|month)s?\s*", str(value["every"]))
    if not match or int(match.group(1)) < 1:
        problems.add(f"{where}.every", f"expected '<N> hour|day|week|month' with N >= 1, got {value['every']!r}")
        return None
    return WindowSpec(every_n=int(match.group(1)), every_unit=match.group(2))


def _reference(value: Any, where: str, problems: _Problems) -> ReferenceSpec | None:
    expected = "expected {from: DATE, to: DATE}, {previous: K} or {rolling: K}"
    if not isinstance(value, dict):
        problems.add(where, f"{expected}, got {value!r}")
        return None
    if set(value) == {"from", "to"}:
        start, end = (_timestamp(value[k], f"{where}.{k}", problems) for k in ("from", "to"))
        if start is None or end is None:
            return None
        if start >= end:
            problems.add(where, f"'from' ({start}) must be before 'to' ({end}); the range is [from, to)")
            return None
        return ReferenceSpec(kind="range", start=start.isoformat(sep=" "), end=end.isoformat(sep=" "))
    if len(value) == 1 and set(value) <= {"previous", "rolling"}:
        kind, k = next(iter(value.items()))
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            problems.add(f"{where}.{kind}", f"expected an integer >= 1, got {k!r}")
            return None
        return ReferenceSpec(kind=kind, windows=k)
    problems.add(where, f"{expected}, got {value!r}")
    return None


def _timestamp(value: Any, where: str, problems: _Problems) -> dt.datetime | None:
    """A naive UTC datetime (windows are UTC): a value with an offset is converted to UTC."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            problems.add(where, f"expected an ISO date such as '2018-01-01', got {value!r}")
            return None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(dt.UTC)
        except OverflowError:
            problems.add(where, f"expected a date between years 1 and 9999 in UTC, got {value!r}")
            return None
    return moment.replace(tzinfo=None)


def _thresholds(value: Any, where: str, problems: _Problems) -> Thresholds:
    if not isinstance(value, dict):
        problems.add(where, f"expected a mapping with {', '.join(sorted(THRESHOLD_KEYS))}, got {value!r}")
        return Thresholds()
    for key in _unknown_keys(value, THRESHOLD_KEYS):
        problems.add(f"{where}.{key}", f"unknown key (expected one of {', '.join(sorted(THRESHOLD_KEYS))})")
    alpha = value.get("alpha", 0.05)
    if not _is_number(alpha) or not 0 < alpha < 1:
        problems.add(f"{where}.alpha", f"expected a number in (0, 1), got {alpha!r}")
        alpha = 0.05
    fdr = value.get("fdr", True)
    if not isinstance(fdr, bool):
        problems.add(f"{where}.fdr", f"expected true or false, got {fdr!r}")
        fdr = True
    persist = value.get("persist", 1)
    if not isinstance(persist, int) or isinstance(persist, bool) or persist < 1:
        problems.add(f"{where}.persist", f"expected an integer >= 1, got {persist!r}")
        persist = 1
    min_effect = dict(DEFAULT_MIN_EFFECT)
    given = value.get("min_effect", {})
    if not isinstance(given, dict):
        problems.add(f"{where}.min_effect", f"expected a mapping such as {{ks: 0.1}}, got {given!r}")
        given = {}
    for key in _unknown_keys(given, set(DEFAULT_MIN_EFFECT)):
        problems.add(f"{where}.min_effect.{key}", f"unknown test (expected one of {', '.join(DEFAULT_MIN_EFFECT)})")
    for key, number in given.items():
        if key not in DEFAULT_MIN_EFFECT:
            continue
        if not _is_number(number) or number < 0:
            problems.add(f"{where}.min_effect.{key}", f"expected a finite number >= 0, got {number!r}")
        else:
            min_effect[key] = float(number)
    return Thresholds(alpha=float(alpha), fdr=fdr, persist=persist, min_effect=min_effect)


def _predictions(value: Any, default_relation: Relation | None, where: str, problems: _Problems) -> PredictionSpec | None:
    if not isinstance(value, dict):
        problems.add(where, "expected a mapping with 'score' and optionally 'relation', 'label', 'model_version'")
        return None
    for key in _unknown_keys(value, {"relation", "score", "label", "model_version"}):
        problems.add(f"{where}.{key}", "unknown key (expected relation, score, label or model_version)")
    relation = _relation(value["relation"], f"{where}.relation", problems) if "relation" in value else default_relation
    if "score" not in value:
        problems.add(f"{where}.score", "missing (expected a score column or a list of class-probability columns)")
        return None
    scores = _identifier_list(value["score"], f"{where}.score", problems)
    if value["score"] == []:
        problems.add(f"{where}.score", "expected a score column or a non-empty list of class-probability columns")
    label = _identifier(value["label"], f"{where}.label", problems) if value.get("label") is not None else None
    version = value.get("model_version")
    version = _identifier(version, f"{where}.model_version", problems) if version is not None else None
    if relation is None or not scores:
        return None
    return PredictionSpec(relation=relation, scores=scores, label=label, model_version=version)


def _labels(value: Any, default_relation: Relation | None, where: str, problems: _Problems) -> LabelSpec | None:
    if not isinstance(value, dict):
        problems.add(where, "expected a mapping with 'column' and optionally 'relation', 'timestamp'")
        return None
    for key in _unknown_keys(value, {"relation", "column", "timestamp"}):
        problems.add(f"{where}.{key}", "unknown key (expected relation, column or timestamp)")
    relation = _relation(value["relation"], f"{where}.relation", problems) if "relation" in value else default_relation
    column = _identifier(value.get("column"), f"{where}.column", problems)
    timestamp = _identifier(value["timestamp"], f"{where}.timestamp", problems) if value.get("timestamp") is not None else None
    if relation is None or column is None:
        return None
    return LabelSpec(relation=relation, column=column, timestamp=timestamp)
