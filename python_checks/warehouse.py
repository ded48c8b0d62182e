"""Warehouse access: the one small interface the Python layer uses.

Read a query as Arrow, look up a relation's columns in the catalogue, and write result
rows atomically (one transaction). One implementation per engine; connection settings
come from the dbt profile, so credentials live in one place (profiles + environment).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pyarrow as pa
import yaml

from python_checks.config import Relation
from python_checks.errors import ConfigError, WarehouseError

# Catalogue type names as users write them (DuckDB's own spelling).
_POSTGRES_TYPES = {
    "double precision": "DOUBLE", "real": "FLOAT", "bigint": "BIGINT", "integer": "INTEGER",
    "smallint": "SMALLINT", "numeric": "DECIMAL", "text": "VARCHAR", "character varying": "VARCHAR",
    "character": "VARCHAR", "boolean": "BOOLEAN", "date": "DATE",
    "timestamp without time zone": "TIMESTAMP", "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
}


@dataclass(frozen=True)
class Target:
    """A dbt profile target, rendered (env vars substituted)."""

    name: str
    type: str
    settings: Mapping[str, Any]


def load_target(profiles_dir: str | Path, target: str | None = None, profile: str = "shiftwatch") -> Target:
    path = Path(profiles_dir) / "profiles.yml"
    if not path.is_file():
        raise ConfigError(f"profiles: no profiles.yml in {Path(profiles_dir).resolve()} (use --profiles-dir)")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["env_var"] = lambda name, default=None: os.environ.get(name, default) if default is not None else os.environ[name]
    env.filters["as_number"] = lambda v: v
    try:
        document = yaml.safe_load(env.from_string(path.read_text()).render())
    except (KeyError, jinja2.TemplateError, yaml.YAMLError) as exc:
        raise ConfigError(f"profiles: cannot render {path}: {exc}") from None
    block = (document or {}).get(profile)
    if not block:
        raise ConfigError(f"profiles: {path} has no profile {profile!r}")
    name = target or block.get("target")
    outputs = block.get("outputs") or {}
    if name not in outputs:
        raise ConfigError(f"profiles: unknown target {name!r}; {path} defines {', '.join(outputs)}")
    return Target(name=name, type=outputs[name]["type"], settings=outputs[name])


class Warehouse:
    """Base class; see DuckDBWarehouse and PostgresWarehouse."""

    dialect = "?"

    def __init__(self, target: Target, project_dir: Path):
        self.target = target
        self.project_dir = project_dir

    # -- identifiers ----------------------------------------------------------------
    @staticmethod
    def quote(identifier: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", identifier):
            raise ConfigError(f"identifier {identifier!r} is not a plain name [A-Za-z_][A-Za-z0-9_]*")
        return '"' + identifier + '"'

    def table(self, schema: str | None, name: str) -> str:
        return f"{self.quote(schema)}.{self.quote(name)}" if schema else self.quote(name)

    def relation(self, relation: Relation) -> str:
        return self.table(relation.schema, relation.name)

    # -- interface ------------------------------------------------------------------
    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        raise NotImplementedError

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        raise NotImplementedError

    def columns(self, relation: Relation) -> list[tuple[str, str]]:
        """(name, type) in table order, types spelled as users write them; [] if no such relation."""
        raise NotImplementedError

    def write_rows(self, tables: Mapping[str, pa.Table], schema: str, delete: Mapping[str, tuple[str, Sequence[Any]]] | None = None) -> None:
        """Append each Arrow table to schema.<name> in one transaction (all or nothing).
        ``delete`` maps a table to a (where-clause, params) to delete first, in the same transaction."""
        raise NotImplementedError

    def load_arrow(self, schema: str, name: str, rows: pa.Table, *, replace: bool = True) -> None:
        """Create (or replace) schema.name from Arrow rows, or append them (replace=False)."""
        raise NotImplementedError

    def sqlalchemy_url(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBWarehouse(Warehouse):
    dialect = "duckdb"

    def __init__(self, target: Target, project_dir: Path):
        super().__init__(target, project_dir)
        import duckdb

        path = Path(str(target.settings.get("path", "shiftwatch.duckdb")))
        self.path = path if path.is_absolute() else (project_dir / path)
        settings = target.settings.get("settings") or {}
        try:
            self.con = duckdb.connect(str(self.path))
            # Resource settings from the profile, as parameters: never config text in SQL.
            if settings.get("memory_limit"):
                self.con.execute("set memory_limit = ?", [str(settings["memory_limit"])])
        except duckdb.Error as exc:
            raise WarehouseError(f"duckdb: cannot open {self.path}: {str(exc).splitlines()[0]}") from exc
        # The catalogue is named after the file; qualify every table with it, so that a
        # schema of the same name (shiftwatch.duckdb holding schema shiftwatch) is never ambiguous.
        self.catalog = self.con.execute("select current_database()").fetchall()[0][0]
        # The session time zone decides how TIMESTAMPTZ values fall into windows; dbt's
        # sessions use the profile's (UTC), so this one must too.
        zone = str(settings.get("TimeZone") or "UTC")
        if not re.fullmatch(r"[A-Za-z0-9_/+-]+", zone):
            raise ConfigError(f"profiles: target {target.name!r}: TimeZone {zone!r} is not a time zone name")
        self.con.execute("set TimeZone = ?", [zone])

    def table(self, schema: str | None, name: str) -> str:
        return f"{self.quote(self.catalog)}.{self.quote(schema or 'main')}.{self.quote(name)}"

    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        import duckdb

        try:
            return self.con.sql(sql, params=list(params) if params else None).to_arrow_table()
        except duckdb.Error as exc:
            raise WarehouseError(f"duckdb: {str(exc).splitlines()[0]}") from exc

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        import duckdb

        try:
            self.con.execute(sql, list(params) if params else None)
        except duckdb.Error as exc:
            raise WarehouseError(f"duckdb: {str(exc).splitlines()[0]}") from exc

    def columns(self, relation: Relation) -> list[tuple[str, str]]:
        schema = relation.schema or "main"
        rows = self.con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, relation.name]).fetchall()
        return [(name, type_.upper()) for name, type_ in rows]

    def write_rows(self, tables, schema, delete=None):
        import duckdb

        try:
            self.con.execute("begin transaction")
            for name, (where, params) in (delete or {}).items():
                self.con.execute(f"delete from {self.table(schema, name)} where {where}", list(params))
            for name, rows in tables.items():
                if rows.num_rows == 0:
                    continue
                self.con.register("_sw_rows", rows)
                self.con.execute(f"insert into {self.table(schema, name)} by name select * from _sw_rows")
                self.con.unregister("_sw_rows")
            self.con.execute("commit")
        except duckdb.Error as exc:
            self.con.execute("rollback")
            raise WarehouseError(f"duckdb: writing results failed, nothing written: {str(exc).splitlines()[0]}") from exc

    def load_arrow(self, schema, name, rows, *, replace=True):
        self.execute(f"create schema if not exists {self.quote(schema)}")
        self.con.register("_sw_load", rows)
        try:
            if replace:
                self.execute(f"create or replace table {self.table(schema, name)} as select * from _sw_load")
            else:
                self.execute(f"insert into {self.table(schema, name)} by name select * from _sw_load")
        finally:
            self.con.unregister("_sw_load")

    def sqlalchemy_url(self) -> str:
        return f"duckdb:///{self.path}"

    def close(self) -> None:
        self.con.close()


class PostgresWarehouse(Warehouse):
    dialect = "postgres"

    def __init__(self, target: Target, project_dir: Path):
        super().__init__(target, project_dir)
        import psycopg2

        s = target.settings
        self.params = {"host": s.get("host"), "port": int(s.get("port", 5432)), "user": s.get("user"),
                       "password": s.get("password") or None, "dbname": s.get("dbname")}
        try:
            # UTC sessions, as dbt's (python_checks.dbt_runner): TIMESTAMPTZ values fall into UTC windows.
            self.con = psycopg2.connect(**self.params, options="-c TimeZone=UTC")
        except psycopg2.Error as exc:
            # The message never carries the password; psycopg2 does not print it.
            raise WarehouseError(f"postgres: cannot connect to {s.get('host')}:{s.get('port')}: {str(exc).strip().splitlines()[0]}") from exc
        self.con.autocommit = True

    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        import psycopg2

        try:
            with self.con.cursor() as cur:
                cur.execute(sql.replace("?", "%s") if params else sql, list(params) if params else None)
                names = [d.name for d in cur.description]
                rows = cur.fetchall()
        except psycopg2.Error as exc:
            raise WarehouseError(f"postgres: {str(exc).strip().splitlines()[0]}") from exc
        columns = list(zip(*rows)) if rows else [[] for _ in names]
        return pa.table({n: pa.array([_pg_value(v) for v in col]) for n, col in zip(names, columns)})

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        import psycopg2

        try:
            with self.con.cursor() as cur:
                cur.execute(sql.replace("?", "%s") if params else sql, list(params) if params else None)
        except psycopg2.Error as exc:
            raise WarehouseError(f"postgres: {str(exc).strip().splitlines()[0]}") from exc

    def columns(self, relation: Relation) -> list[tuple[str, str]]:
        table = self.arrow(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [relation.schema or "public", relation.name])
        return [(n, _POSTGRES_TYPES.get(t, t.upper())) for n, t in zip(table["column_name"].to_pylist(), table["data_type"].to_pylist())]

    def write_rows(self, tables, schema, delete=None):
        import psycopg2
        from psycopg2.extras import execute_values

        self.con.autocommit = False
        try:
            with self.con.cursor() as cur:
                for name, (where, params) in (delete or {}).items():
                    cur.execute(f"delete from {self.table(schema, name)} where {where.replace('?', '%s')}", list(params))
                for name, rows in tables.items():
                    if rows.num_rows == 0:
                        continue
                    cols = ", ".join(self.quote(c) for c in rows.column_names)
                    values = list(zip(*(rows[c].to_pylist() for c in rows.column_names)))
                    execute_values(cur, f"insert into {self.table(schema, name)} ({cols}) values %s", values, page_size=5000)
            self.con.commit()
        except psycopg2.Error as exc:
            self.con.rollback()
            raise WarehouseError(f"postgres: writing results failed, nothing written: {str(exc).strip().splitlines()[0]}") from exc
        finally:
            self.con.autocommit = True

    def load_arrow(self, schema, name, rows, *, replace=True):
        import io

        import pyarrow.csv as pacsv

        table = self.table(schema, name)
        if replace:
            columns = ", ".join(f"{self.quote(f.name)} {_postgres_type(f.type)}" for f in rows.schema)
            self.execute(f"create schema if not exists {self.quote(schema)}")
            self.execute(f"drop table if exists {table} cascade")
            self.execute(f"create table {table} ({columns})")
        buffer = io.BytesIO()
        pacsv.write_csv(rows, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        buffer.seek(0)
        names = ", ".join(self.quote(c) for c in rows.column_names)
        with self.con.cursor() as cur:
            cur.copy_expert(f"copy {table} ({names}) from stdin with (format csv)", buffer)

    def sqlalchemy_url(self) -> str:
        from sqlalchemy.engine import URL

        p = self.params
        return URL.create("postgresql+psycopg2", username=p["user"], password=p["password"], host=p["host"],
                          port=p["port"], database=p["dbname"]).render_as_string(hide_password=False)

    def close(self) -> None:
        self.con.close()


def _postgres_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp with time zone" if arrow_type.tz else "timestamp"
    return "varchar"


def _pg_value(value: Any) -> Any:
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def connect(project_dir: str | Path = ".", profiles_dir: str | Path | None = None, target: str | None = None) -> Warehouse:
    """Open the warehouse of a dbt profile target."""
    project_dir = Path(project_dir).resolve()
    resolved = load_target(profiles_dir or project_dir / "profiles", target)
    if resolved.type == "duckdb":
        return DuckDBWarehouse(resolved, project_dir)
    if resolved.type == "postgres":
        return PostgresWarehouse(resolved, project_dir)
    raise ConfigError(f"profiles: target {resolved.name!r} has type {resolved.type!r}; shiftwatch supports duckdb and postgres")
