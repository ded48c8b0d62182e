"""Schema versions: compare a relation's live columns with the columns a suite registered.

A suite registers its schema as ``expect_table_columns_to_match_set`` (the column set) and
one ``expect_column_values_to_be_of_type`` per column (the catalogue type as users write it,
e.g. ``DOUBLE``, ``TIMESTAMP WITH TIME ZONE``). Types are compared exactly after mapping
synonyms onto one spelling, so ``FLOAT8``, ``double precision`` and ``DOUBLE`` are the same
type, while ``TIMESTAMP`` and ``TIMESTAMP WITH TIME ZONE`` are not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from python_checks.quality.suites import COLUMN_TYPE, TABLE_COLUMNS

ADDED, REMOVED, TYPE_CHANGED = "added", "removed", "type_changed"

# Synonyms -> the spelling DuckDB's catalogue uses (and warehouse.columns() returns).
TYPE_SYNONYMS = {
    "FLOAT8": "DOUBLE", "DOUBLE PRECISION": "DOUBLE", "FLOAT64": "DOUBLE",
    "FLOAT4": "FLOAT", "REAL": "FLOAT", "FLOAT32": "FLOAT",
    "INT8": "BIGINT", "LONG": "BIGINT", "INT64": "BIGINT",
    "INT4": "INTEGER", "INT": "INTEGER", "SIGNED": "INTEGER", "INT32": "INTEGER",
    "INT2": "SMALLINT", "SHORT": "SMALLINT", "INT16": "SMALLINT",
    "INT1": "TINYINT",
    "TEXT": "VARCHAR", "STRING": "VARCHAR", "CHARACTER VARYING": "VARCHAR", "CHAR": "VARCHAR",
    "CHARACTER": "VARCHAR", "BPCHAR": "VARCHAR", "NVARCHAR": "VARCHAR",
    "BOOL": "BOOLEAN", "LOGICAL": "BOOLEAN",
    "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
    "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP", "DATETIME": "TIMESTAMP",
    "TIMETZ": "TIME WITH TIME ZONE", "TIME WITHOUT TIME ZONE": "TIME",
    "NUMERIC": "DECIMAL",
    "BYTEA": "BLOB",
}


@dataclass(frozen=True)
class SchemaChange:
    column_name: str
    change: str  # added | removed | type_changed
    expected_type: str | None
    actual_type: str | None


def normalize_type(type_name: str) -> str:
    """One spelling per type: upper case, single spaces, synonyms mapped (``int8`` -> ``BIGINT``).

    Parameters are kept (``DECIMAL(18,3)`` differs from ``DECIMAL(10,2)``), except character
    lengths and time precisions, which PostgreSQL's catalogue does not report and DuckDB
    ignores (``VARCHAR(20)`` is ``VARCHAR``). The time zone is part of the type.
    """
    text = re.sub(r"\s+", " ", str(type_name).strip().upper())
    text = re.sub(r"\s*\(\s*", "(", text)
    text = re.sub(r"\s*,\s*", ",", text)
    text = re.sub(r"\s*\)", ")", text)
    match = re.fullmatch(r"(?P<base>[A-Z][A-Z0-9_ ]*?) ?(?P<params>\([^)]*\))?(?P<zone> WITH(?:OUT)? TIME ZONE)?", text)
    if not match:
        return text
    name = match["base"] + (match["zone"] or "")
    name = TYPE_SYNONYMS.get(name, name)
    params = match["params"] or ""
    if name == "VARCHAR" or name.startswith(("TIMESTAMP", "TIME")):
        params = ""
    return name + params


def registered_columns(suite: dict) -> list[tuple[str, str | None]]:
    """(name, type) as the suite registers them; type None when the suite gives none."""
    column_set: list[str] | None = None
    types: dict[str, str] = {}
    for expectation in suite.get("expectations", []):
        kwargs = expectation.get("kwargs", {})
        if expectation.get("type") == TABLE_COLUMNS and column_set is None:
            column_set = list(kwargs.get("column_set") or [])
        elif expectation.get("type") == COLUMN_TYPE and kwargs.get("column") and kwargs.get("type_"):
            types[kwargs["column"]] = kwargs["type_"]
    if column_set is None:
        meta_columns = suite.get("meta", {}).get("shiftwatch", {}).get("columns") or []
        column_set = [c["name"] for c in meta_columns]
        for c in meta_columns:
            types.setdefault(c["name"], c.get("type"))
    for name in types:
        if name not in column_set:
            column_set.append(name)
    return [(name, types.get(name)) for name in column_set]


def compare_schema(live_columns: Sequence[tuple[str, str]], suite: dict) -> list[SchemaChange]:
    """Added, removed and retyped columns of the live relation against the suite, by column name.

    Names match case-insensitively (DuckDB and PostgreSQL fold unquoted names); types match
    after ``normalize_type``. A column the suite lists without a type is never retyped.
    """
    expected = registered_columns(suite)
    live = {name.lower(): (name, type_) for name, type_ in live_columns}
    known = {name.lower() for name, _ in expected}
    changes: list[SchemaChange] = []
    for name, expected_type in expected:
        if name.lower() not in live:
            changes.append(SchemaChange(name, REMOVED, _canonical(expected_type), None))
            continue
        live_name, actual_type = live[name.lower()]
        if expected_type is not None and normalize_type(expected_type) != normalize_type(actual_type):
            changes.append(SchemaChange(live_name, TYPE_CHANGED, _canonical(expected_type), _canonical(actual_type)))
    for key, (name, actual_type) in live.items():
        if key not in known:
            changes.append(SchemaChange(name, ADDED, None, _canonical(actual_type)))
    return sorted(changes, key=lambda c: (c.column_name.lower(), c.change))


def is_breaking(changes: Sequence[SchemaChange]) -> bool:
    """A removed or retyped column breaks readers of the old schema; an added one does not."""
    return any(c.change in (REMOVED, TYPE_CHANGED) for c in changes)


def schema_changes_table(changes: Sequence[SchemaChange], *, run_id: str, monitor: str,
                         schema_version: str) -> pa.Table:
    """The rows of the ``schema_changes`` result table."""
    return pa.table({
        "run_id": pa.array([run_id] * len(changes), pa.string()),
        "monitor": pa.array([monitor] * len(changes), pa.string()),
        "schema_version": pa.array([schema_version] * len(changes), pa.string()),
        "column_name": pa.array([c.column_name for c in changes], pa.string()),
        "change": pa.array([c.change for c in changes], pa.string()),
        "expected_type": pa.array([c.expected_type for c in changes], pa.string()),
        "actual_type": pa.array([c.actual_type for c in changes], pa.string()),
    })


def _canonical(type_name: str | None) -> str | None:
    return None if type_name is None else normalize_type(type_name)
