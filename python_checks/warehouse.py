"""Warehouse access: the one small interface the Python layer uses.

Read a query as Arrow, look up a relation's columns in the catalogue, and write result
rows atomically (one transaction). One implementation per engine; connection settings
come from the dbt profile, so credentials live in one place (profiles + environment).
"""

from __future__ import annotations

import datetime as dt
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
    """Base class; see DuckDBWarehouse, PostgresWarehouse and SparkWarehouse."""

    dialect = "?"
    # Type names for SQL the Python layer writes itself (derive_suite, evolve_table).
    double_type = "double precision"
    string_type = "varchar"
    # Great Expectations validates through SQLAlchemy on this warehouse (sqlalchemy_url).
    ge_validates = True

    def __init__(self, target: Target, project_dir: Path):
        self.target = target
        self.project_dir = project_dir

    # -- identifiers ----------------------------------------------------------------
    quote_char = '"'  # the engine's identifier quote (Spark SQL: a backtick)

    @classmethod
    def quote(cls, identifier: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", identifier):
            raise ConfigError(f"identifier {identifier!r} is not a plain name [A-Za-z_][A-Za-z0-9_]*")
        return cls.quote_char + identifier + cls.quote_char

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

    def evolve_table(self, schema: str, name: str, *, retype: Mapping[str, str] | None = None,
                     add: Mapping[str, str] | None = None) -> None:
        """Change the types of columns (``retype``: column -> 'double' | 'string') and add
        nullable columns (``add``), as an upstream pipeline's schema change would."""
        types = self._evolve_types()
        table = self.table(schema, name)
        for column, type_ in (retype or {}).items():
            self.execute(f"alter table {table} alter column {self.quote(column)} type {types[type_]}")
        for column, type_ in (add or {}).items():
            self.execute(f"alter table {table} add column {self.quote(column)} {types[type_]}")

    def _evolve_types(self) -> dict[str, str]:
        return {"double": self.double_type, "string": self.string_type}

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
    double_type = "double"

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


# Spark's catalogue type names -> the spelling users write (DuckDB's): suites compare these.
_SPARK_TYPES = {
    "bigint": "BIGINT", "int": "INTEGER", "smallint": "SMALLINT", "tinyint": "TINYINT", "double": "DOUBLE",
    "float": "FLOAT", "string": "VARCHAR", "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP", "binary": "BLOB",
}
# A result table `name` is a view onto its current generation, the table `name__sw_<generation>`.
GENERATION_SEPARATOR = "__sw_"


def spark_session(target: Target) -> Any:
    """The process's SparkSession, started with the profile's ``server_side_parameters``.

    dbt-spark's session method asks the same builder for its session, so dbt models, the
    Python checks and the result writes share one JVM, whichever asks first: Derby, the
    local metastore, admits one JVM at a time. The session is never stopped here; it ends
    with the process.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(f"profiles: target {target.name!r} is Spark, which needs the spark extra: "
                          "pip install 'shiftwatch[spark]' (or .[spark] in the project)") from None
    if str(target.settings.get("method", "session")) != "session":
        raise ConfigError(
            f"profiles: target {target.name!r} uses dbt-spark's {target.settings.get('method')!r} method; "
            "shiftwatch's checks run in the Spark driver (method: session). For a cluster, point the session "
            "at it with spark.master and a shared metastore (docs/engines.md)")
    params = {str(k): str(v) for k, v in (target.settings.get("server_side_parameters") or {}).items()}
    params["spark.sql.ansi.enabled"] = "false"  # what dbt-spark sets: one behaviour for dbt and Python
    starting = SparkSession.getActiveSession() is None
    if starting:
        for path in _spark_local_dirs(params):
            path.mkdir(parents=True, exist_ok=True)
        # The local driver listens on loopback only (and Spark stops guessing a public address).
        if params.get("spark.master", "").startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in params.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - py4j and JVM start-up errors have many types
        raise WarehouseError(f"spark: cannot start the session: {_spark_message(exc)}") from exc
    session.sparkContext.setLogLevel("ERROR")
    if starting:
        # Boot the metastore now: a failure here has one clear message, not a missing relation later.
        try:
            session.sql("show databases").collect()
        except Exception as exc:  # noqa: BLE001
            raise WarehouseError(f"spark: cannot open the metastore: {_spark_message(exc)}") from exc
    return session


def _spark_local_dirs(params: Mapping[str, str]) -> list[Path]:
    """The local state folders the profile names (warehouse dir, Derby's home)."""
    dirs = []
    warehouse_dir = params.get("spark.sql.warehouse.dir", "")
    if warehouse_dir and "://" not in warehouse_dir:
        dirs.append(Path(warehouse_dir.removeprefix("file:")))
    match = re.search(r"-Dderby\.system\.home=(\S+)", params.get("spark.driver.extraJavaOptions", ""))
    if match:
        dirs.append(Path(match.group(1)))
    return dirs


def spark_state_dir(target: Target, project_dir: Path) -> Path:
    """Where a Spark target keeps its local state: Derby's home (the metastore and
    derby.log), else the warehouse folder, else PROJECT/.spark."""
    params = {str(k): str(v) for k, v in (target.settings.get("server_side_parameters") or {}).items()}
    dirs = _spark_local_dirs(params)
    path = dirs[-1] if dirs else project_dir / ".spark"
    return path if path.is_absolute() else project_dir / path


def _spark_message(exc: BaseException) -> str:
    text = str(getattr(exc, "desc", None) or exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if any("Another instance of Derby may have already booted" in line or "SessionHiveMetaStoreClient" in line
           for line in lines):
        return ("the metastore did not start; a local Derby metastore admits one JVM at a time: is another "
                "process (dbt, spark-shell, a notebook) using this SHIFTWATCH_SPARK_DIR?")
    return lines[0] if lines else type(exc).__name__


class SparkWarehouse(Warehouse):
    """Spark through the in-process SparkSession (dbt-spark's session method).

    Reads come back as Arrow. Parquet tables cannot be replaced atomically or deleted from,
    so every result table is a view onto a generation table: a write builds each changed
    table's next generation (kept rows plus new ones) and then swaps the views onto them,
    all after the slow part has succeeded; a failure drops the new generations and leaves
    the views as they were. The previous generation is kept for readers in flight.
    """

    dialect = "spark"
    quote_char = "`"
    double_type = "double"
    string_type = "string"
    ge_validates = False  # no SQLAlchemy dialect for an in-process session: quality runs SQL checks

    def __init__(self, target: Target, project_dir: Path):
        super().__init__(target, project_dir)
        self.spark = spark_session(target)

    # -- queries ----------------------------------------------------------------------
    def _sql(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        try:
            return self.spark.sql(sql, args=list(params)) if params else self.spark.sql(sql)
        except Exception as exc:  # noqa: BLE001 - AnalysisException, ParseException, Py4JJavaError
            raise WarehouseError(f"spark: {_spark_message(exc)}") from exc

    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        return self._to_arrow(self._sql(sql, params))

    def _to_arrow(self, frame: Any) -> pa.Table:
        from pyspark.sql.pandas.types import to_arrow_schema

        try:
            batches = frame._collect_as_arrow()
        except Exception as exc:  # noqa: BLE001
            raise WarehouseError(f"spark: {_spark_message(exc)}") from exc
        table = pa.Table.from_batches(batches) if batches else to_arrow_schema(frame.schema).empty_table()
        # Spark's TIMESTAMP is an instant shown in the session's zone (UTC); the other engines
        # return naive UTC timestamps, and so does this one.
        for i, field in enumerate(table.schema):
            if pa.types.is_timestamp(field.type) and field.type.tz is not None:
                table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp("us")))
        return table

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._sql(sql, params)

    def _exists(self, schema: str | None, name: str) -> bool:
        from pyspark.errors import AnalysisException

        try:
            return bool(self.spark.catalog.tableExists(f"{schema or self.spark.catalog.currentDatabase()}.{name}"))
        except AnalysisException:  # a missing database
            return False
        except Exception as exc:  # noqa: BLE001 - the metastore itself failed
            raise WarehouseError(f"spark: {_spark_message(exc)}") from exc

    def _is_view(self, schema: str, name: str) -> bool:
        rows = self._sql(f"show views in {self.quote(schema)}").collect()
        return any(r["viewName"] == name.lower() and not r["isTemporary"] for r in rows)

    def columns(self, relation: Relation) -> list[tuple[str, str]]:
        if not self._exists(relation.schema, relation.name):
            return []
        frame = self._sql(f"select * from {self.relation(relation)} where 1 = 0")
        return [(f.name, _spark_type(f.dataType.simpleString())) for f in frame.schema.fields]

    # -- writes -----------------------------------------------------------------------
    def _dataframe(self, rows: pa.Table) -> Any:
        from pyspark.sql.pandas.types import from_arrow_schema

        schema = from_arrow_schema(rows.schema)
        return self.spark.createDataFrame(rows.to_pandas(), schema=schema)

    def _aligned(self, rows: pa.Table, columns: Sequence[tuple[str, str]]) -> Any:
        """``rows`` as a DataFrame with exactly ``columns`` (name, Spark type), in that order;
        missing ones NULL."""
        from pyspark.sql import functions as F

        frame = self._dataframe(rows)
        present = set(rows.column_names)
        return frame.select(*[(F.col(self.quote(n)) if n in present else F.lit(None)).cast(t).alias(n)
                              for n, t in columns])

    def _generation_tables(self, schema: str, name: str) -> list[str]:
        prefix = (name + GENERATION_SEPARATOR).lower()
        rows = self.spark.sql(f"show tables in {self.quote(schema)}").collect()
        return sorted(r["tableName"] for r in rows if not r["isTemporary"] and r["tableName"].startswith(prefix))

    def write_rows(self, tables, schema, delete=None):
        from pyspark.sql import functions as F

        delete = delete or {}
        names = [n for n in dict.fromkeys([*tables, *delete])
                 if n in delete or (tables.get(n) is not None and tables[n].num_rows > 0)]
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
        staged: list[tuple[str, str, bool]] = []  # (name, new generation, relation was a view)
        try:
            for name in names:
                relation = self.table(schema, name)
                if not self._exists(schema, name):
                    raise WarehouseError(f"spark: result table {schema}.{name} does not exist (run dbt first)")
                current = self._sql(f"select * from {relation}")
                columns = _spark_columns(current)
                kept = current
                if name in delete:
                    where, params = delete[name]
                    # NULL is not a match: a row is deleted only where the predicate is true.
                    kept = self._sql(f"select * from {relation} where not coalesce(({where}), false)", params)
                rows = tables.get(name)
                if rows is not None and rows.num_rows > 0:
                    kept = kept.unionByName(self._aligned(rows, columns))
                generation = f"{name}{GENERATION_SEPARATOR}{stamp}"
                staged.append((name, generation, self._is_view(schema, name)))
                # One file per generation: result tables are small (bounded by the config).
                kept.select(*[F.col(self.quote(n)) for n, _ in columns]).coalesce(1).write.format("parquet") \
                    .saveAsTable(self.table(schema, generation))
        except Exception as exc:
            for _, generation, _ in staged:
                self.spark.sql(f"drop table if exists {self.table(schema, generation)}")
            detail = exc if isinstance(exc, WarehouseError) else WarehouseError(f"spark: {_spark_message(exc)}")
            raise WarehouseError(f"{detail}; writing results failed, nothing written") from exc
        swapped: list[tuple[str, str]] = []  # (name, previous generation)
        try:
            for name, generation, was_view in staged:
                relation = self.table(schema, name)
                previous = self._view_target(schema, name) if was_view else None
                if not was_view:  # a plain table from an older layout: its rows are in the new generation
                    self.spark.sql(f"drop table {relation}")
                self.spark.sql(f"create or replace view {relation} as select * from {self.table(schema, generation)}")
                swapped.append((name, previous))
        except Exception as exc:
            for name, previous in reversed(swapped):
                if previous:
                    self.spark.sql(f"create or replace view {self.table(schema, name)} as "
                                   f"select * from {self.table(schema, previous)}")
            for _, generation, _ in staged:
                self.spark.sql(f"drop table if exists {self.table(schema, generation)}")
            raise WarehouseError(f"spark: publishing results failed, nothing written: {_spark_message(exc)}") from exc
        for name, generation, _ in staged:
            self._drop_old_generations(schema, name, keep=generation)

    def _view_target(self, schema: str, name: str) -> str | None:
        rows = self.spark.sql(f"describe table extended {self.table(schema, name)}").collect()
        text = next((r["data_type"] for r in rows if r["col_name"] == "View Text"), "") or ""
        found = re.findall(r"`?(\w+" + GENERATION_SEPARATOR + r"\w+)`?", text)
        return found[-1] if found else None

    def _drop_old_generations(self, schema: str, name: str, *, keep: str) -> None:
        """Drop generations older than the previous one: that one may still be read."""
        older = [g for g in self._generation_tables(schema, name) if g < keep.lower()]
        for generation in older[:-1]:
            self.spark.sql(f"drop table if exists {self.table(schema, generation)}")

    def load_arrow(self, schema, name, rows, *, replace=True):
        self.execute(f"create schema if not exists {self.quote(schema)}")
        relation = self.table(schema, name)
        try:
            if replace or not self._exists(schema, name):
                if self._exists(schema, name):
                    self.execute(f"drop {'view' if self._is_view(schema, name) else 'table'} {relation}")
                self._dataframe(rows).write.format("parquet").saveAsTable(relation)
            else:
                columns = _spark_columns(self._sql(f"select * from {relation}"))
                self._aligned(rows, columns).write.insertInto(relation)
        except WarehouseError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise WarehouseError(f"spark: loading {schema}.{name} failed: {_spark_message(exc)}") from exc

    def evolve_table(self, schema, name, *, retype=None, add=None):
        """Parquet tables cannot change a column's type in place: the table is rewritten
        (a staging copy with the new columns, then renamed over the old one)."""
        types = self._evolve_types()
        relation = self.table(schema, name)
        fields = self._sql(f"select * from {relation}").schema.fields
        columns = [f"cast({self.quote(f.name)} as {types[retype[f.name]]}) as {self.quote(f.name)}"
                   if f.name in (retype or {}) else self.quote(f.name) for f in fields]
        columns += [f"cast(null as {types[t]}) as {self.quote(c)}" for c, t in (add or {}).items()]
        staging = self.table(schema, name + GENERATION_SEPARATOR + "evolve")
        self.execute(f"drop table if exists {staging}")
        try:
            self._sql(f"select {', '.join(columns)} from {relation}").write.format("parquet").saveAsTable(staging)
        except WarehouseError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise WarehouseError(f"spark: changing {schema}.{name} failed: {_spark_message(exc)}") from exc
        self.execute(f"drop table {relation}")
        self.execute(f"alter table {staging} rename to {relation}")

    def sqlalchemy_url(self) -> str:
        raise WarehouseError("spark: no SQLAlchemy connection for an in-process Spark session")

    def close(self) -> None:
        """Nothing to close: the session outlives this object (dbt and later steps reuse it)."""


def _spark_columns(frame: Any) -> list[tuple[str, str]]:
    """A DataFrame's columns as (name, Spark type)."""
    return [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]


def _spark_type(simple: str) -> str:
    text = simple.strip().lower()
    if text.startswith("decimal"):
        return text.upper()
    if text.startswith(("varchar", "char")):
        return "VARCHAR"
    return _SPARK_TYPES.get(text, text.upper())


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
    if resolved.type == "spark":
        return SparkWarehouse(resolved, project_dir)
    raise ConfigError(f"profiles: target {resolved.name!r} has type {resolved.type!r}; "
                      "shiftwatch supports duckdb, postgres and spark")
