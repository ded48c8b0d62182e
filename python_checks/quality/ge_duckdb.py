"""Make Great Expectations' SQL execution engine work on DuckDB.

GE's ``SqlAlchemyExecutionEngine.execute_query`` runs a query inside
``with self.get_connection() as connection:`` and returns the *unfetched* cursor result;
the caller fetches it after the block. For most dialects ``get_connection`` is
``with engine.connect()``, whose exit rolls the connection back and returns it to the pool.
DuckDB discards a pending result on rollback, so every bundled metric comes back as an
empty list and validation fails with ``IndexError: list index out of range`` inside
``resolve_metric_bundle`` (upstream GE issues 10738 and 11579).

GE already knows dialects that must keep one connection open for the engine's lifetime
(sqlite, SQL Server, BigQuery, Databricks): it lists them in the module constant
``_PERSISTED_CONNECTION_DIALECTS``, which drives both the engine's pool
(``StaticPool``, via ``_dialect_requires_persisted_connection``) and ``get_connection``
(which then yields the engine's one kept connection and never closes it). Registering
DuckDB there is the whole fix: the result is fetched from a connection that stays open.

The patch touches only that constant, is idempotent, and is checked by
``python_checks/tests/test_quality_ge_fix.py``, which fails loudly if GE changes the code
it relies on.
"""

from __future__ import annotations

import threading

DUCKDB_DIALECT = "duckdb"

_lock = threading.Lock()


class _DialectName(str):
    """A dialect name that GE's persisted-connection checks accept next to its own enum.

    GE compares ``engine.dialect.name`` (a str) with the tuple's members using ``in`` and
    calls ``.value`` on them in ``_dialect_requires_persisted_connection``. ``GXSqlDialect``
    has no DuckDB member, so this str subclass supplies ``.value`` itself.
    """

    @property
    def value(self) -> str:
        return str(self)


def _engine_module():
    from great_expectations.execution_engine import sqlalchemy_execution_engine

    return sqlalchemy_execution_engine


def duckdb_persisted_connection_enabled() -> bool:
    """True when GE keeps one persisted connection for DuckDB engines."""
    module = _engine_module()
    return any(str(getattr(d, "value", d)).lower() == DUCKDB_DIALECT
               for d in getattr(module, "_PERSISTED_CONNECTION_DIALECTS", ()))


def enable_duckdb_persisted_connection() -> None:
    """Register DuckDB as a dialect whose GE engine keeps one open connection (idempotent).

    Call it before GE builds an execution engine for a ``duckdb:///`` URL; engines built
    earlier keep their pool. Raises RuntimeError if GE no longer has the hook this relies on.
    """
    module = _engine_module()
    with _lock:
        dialects = getattr(module, "_PERSISTED_CONNECTION_DIALECTS", None)
        if not isinstance(dialects, tuple) or not hasattr(module, "_dialect_requires_persisted_connection"):
            raise RuntimeError(
                "great_expectations.execution_engine.sqlalchemy_execution_engine no longer has the tuple "
                "_PERSISTED_CONNECTION_DIALECTS and _dialect_requires_persisted_connection; the DuckDB fix "
                "in python_checks/quality/ge_duckdb.py must be revisited for this GE version")
        if duckdb_persisted_connection_enabled():
            return
        module._PERSISTED_CONNECTION_DIALECTS = (*dialects, _DialectName(DUCKDB_DIALECT))
