"""Run queries on a Spark target in a process of its own and save the answers as Arrow files.

The integration tests call this as a script (``python -m python_checks.tests.spark_export
SPEC OUT_DIR``, in the project directory) once the CLI processes under test have ended, so
the test process never starts a JVM and only one JVM at a time holds the Derby metastore.
SPEC is a JSON object ``{"schemas": {placeholder: schema}, "queries": {name: SQL}}``; each
``{placeholder}`` in the SQL expands to its schema, quoted for Spark.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc


def main(spec_path: str, out_dir: str) -> None:
    from python_checks.warehouse import connect

    spec = json.loads(Path(spec_path).read_text())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with connect(".", target="spark") as wh:
        schemas = {key: wh.quote(schema) for key, schema in spec["schemas"].items()}
        for name, sql in spec["queries"].items():
            table = wh.arrow(sql.format(**schemas))
            with pa.OSFile(str(out / f"{name}.arrow"), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)


def read(out_dir: str | Path, name: str) -> pa.Table:
    with pa.memory_map(str(Path(out_dir) / f"{name}.arrow")) as source:
        return ipc.open_file(source).read_all()


if __name__ == "__main__":
    main(*sys.argv[1:])
