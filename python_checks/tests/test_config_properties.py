"""Property-based tests of the config parser (python_checks.config.parse_config).

Properties, on valid, mutated and random documents:
- the parser returns a Config or raises ConfigError, and never any other exception;
- a ConfigError lists every problem, one line each, as ``config: <where>: <what>``, where
  <where> names the monitor (by name, or by position when the name itself is bad) and the
  key, and only the places that are wrong are named;
- a valid document normalises deterministically, survives a YAML round trip, and its
  normalised form read back as a document gives the same Config.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from python_checks.config import (
    DEFAULT_MIN_EFFECT,
    MONITOR_KEYS,
    TOP_LEVEL_KEYS,
    Config,
    parse_config,
)
from python_checks.errors import ConfigError

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INJECTION = "a; drop table x; --"
# config: <where>: <what>, where = a top-level key, or monitors[<name or position>] and a key path.
LINE = re.compile(r"config: (?P<where>[^\s:]+|monitors\[[^\]\n]+\][^:\n]*): \S[^\n]*")

identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,11}", fullmatch=True)
monitor_names = st.from_regex(r"[a-z0-9_]{1,12}", fullmatch=True)
units = st.sampled_from(["hour", "day", "week", "month"])


# --------------------------------------------------------------------------- valid documents


@st.composite
def windows(draw) -> dict:
    if draw(st.booleans()):
        return {"rows": draw(st.integers(2, 10**7))}
    n, unit = draw(st.integers(1, 48)), draw(units)
    plural = "s" if n > 1 and draw(st.booleans()) else ""
    return {"every": f"{n} {unit}{plural}"}


@st.composite
def references(draw) -> dict:
    kind = draw(st.sampled_from(["range", "previous", "rolling"]))
    if kind != "range":
        return {kind: draw(st.integers(1, 400))}
    start = draw(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1)))
    length = draw(st.timedeltas(min_value=dt.timedelta(seconds=1), max_value=dt.timedelta(days=3000)))
    as_text = draw(st.sampled_from([
        lambda t: t.date().isoformat() if t.time() == dt.time() else t.isoformat(),  # as written by people
        lambda t: t.isoformat(sep=" "),
        lambda t: t,  # YAML timestamps arrive as datetime objects
    ]))
    start = start.replace(microsecond=0)
    end = start + dt.timedelta(seconds=max(1, int(length.total_seconds())))
    return {"from": as_text(start), "to": as_text(end)}


@st.composite
def valid_monitors(draw, name: str) -> dict:
    columns = draw(st.lists(identifiers, min_size=3, max_size=12, unique=True))
    id_column, timestamp, *features = columns
    split = draw(st.integers(0, len(features)))
    monitor = {
        "name": name,
        "relation": draw(st.one_of(identifiers, st.builds("{}.{}".format, identifiers, identifiers))),
        "id": id_column,
        "timestamp": timestamp,
        "window": draw(windows()),
        "reference": draw(references()),
    }
    if features or draw(st.booleans()):
        monitor["features"] = {"numeric": features[:split], "categorical": features[split:]}
    if draw(st.booleans()):
        score = draw(st.one_of(identifiers, st.lists(identifiers, min_size=1, max_size=3, unique=True)))
        monitor["predictions"] = {"score": score, **draw(st.fixed_dictionaries({}, optional={
            "relation": identifiers, "label": identifiers, "model_version": identifiers}))}
    if draw(st.booleans()):
        monitor["labels"] = {"column": draw(identifiers), **draw(st.fixed_dictionaries({}, optional={
            "relation": identifiers, "timestamp": identifiers}))}
    optional = draw(st.fixed_dictionaries({}, optional={
        "segments": st.lists(identifiers, max_size=3, unique=True),
        "schema_version": st.from_regex(r"[A-Za-z0-9_.-]{1,8}", fullmatch=True),
        "schema_version_column": identifiers,
        "thresholds": st.fixed_dictionaries({}, optional={
            "alpha": st.floats(0.001, 0.5),
            "fdr": st.booleans(),
            "persist": st.integers(1, 10),
            "min_effect": st.dictionaries(st.sampled_from(sorted(DEFAULT_MIN_EFFECT)), st.floats(0, 5), max_size=3),
        }),
    }))
    monitor.update(optional)
    return monitor


@st.composite
def valid_documents(draw) -> dict:
    names = draw(st.lists(monitor_names, min_size=1, max_size=3, unique=True))
    document = {"monitors": [draw(valid_monitors(name)) for name in names]}
    document.update(draw(st.fixed_dictionaries({}, optional={
        "results_schema": identifiers,
        "expectations_dir": st.text(min_size=1, max_size=20),
        "sample_size": st.integers(10, 10**6),
        "reference_sample_size": st.integers(10, 10**6),
        "permutations": st.integers(10, 10**4),
        "seed": st.integers(0, 2**31),
        "memory_limit": st.from_regex(r"[1-9][0-9]{0,2}(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", fullmatch=True),
        "lock_timeout": st.one_of(st.integers(0, 3600), st.floats(0, 3600)),
    })))
    return document


def as_document(config: Config) -> dict:
    """A user document that says everything the normalised config says, every default explicit."""
    def monitor(m) -> dict:
        window = {"rows": m.window.rows} if m.window.rows is not None else {"every": f"{m.window.every_n} {m.window.every_unit}"}
        reference = ({"from": m.reference.start, "to": m.reference.end} if m.reference.kind == "range"
                     else {m.reference.kind: m.reference.windows})
        out = {"name": m.name, "relation": m.relation.dotted, "id": m.id, "timestamp": m.timestamp, "window": window,
               "reference": reference, "features": {"numeric": list(m.numeric), "categorical": list(m.categorical)},
               "segments": list(m.segments), "schema_version": m.schema_version,
               "schema_version_column": m.schema_version_column,
               "thresholds": {"alpha": m.thresholds.alpha, "fdr": m.thresholds.fdr, "persist": m.thresholds.persist,
                              "min_effect": dict(m.thresholds.min_effect)}}
        if m.predictions is not None:
            out["predictions"] = {"relation": m.predictions.relation.dotted, "score": list(m.predictions.scores),
                                  "label": m.predictions.label, "model_version": m.predictions.model_version}
        if m.labels is not None:
            out["labels"] = {"relation": m.labels.relation.dotted, "column": m.labels.column,
                             "timestamp": m.labels.timestamp}
        return out

    return {"results_schema": config.results_schema, "expectations_dir": config.expectations_dir,
            "sample_size": config.sample_size, "reference_sample_size": config.reference_sample_size,
            "permutations": config.permutations, "seed": config.seed, "memory_limit": config.memory_limit,
            "lock_timeout": config.lock_timeout, "monitors": [monitor(m) for m in config.monitors]}


@PROPERTY
@given(valid_documents())
def test_valid_documents_normalise_deterministically_and_round_trip(document):
    original = copy.deepcopy(document)
    config = parse_config(document)
    assert document == original, "the parser must not change its input"
    assert parse_config(copy.deepcopy(document)) == config
    assert [m.name for m in config.monitors] == [m["name"] for m in document["monitors"]]
    plain = config.to_vars()
    assert json.loads(json.dumps(plain)) == plain  # what dbt receives: plain JSON
    assert parse_config(yaml.safe_load(yaml.safe_dump(document))) == config
    normalised = as_document(config)
    assert parse_config(normalised) == config
    assert parse_config(yaml.safe_load(yaml.safe_dump(normalised))) == config
    for m in config.monitors:
        if m.reference.kind == "range":
            start, end = (dt.datetime.fromisoformat(v) for v in (m.reference.start, m.reference.end))
            assert start < end


def test_reference_with_a_utc_offset_is_normalised_to_utc():
    document = {"monitors": [{"name": "m", "relation": "t", "id": "id", "timestamp": "ts", "window": {"every": "1 day"},
                              "reference": {"from": "2026-06-01T02:00:00+02:00", "to": "2026-06-02T00:00:00Z"}}]}
    reference = parse_config(document).monitors[0].reference
    assert (reference.start, reference.end) == ("2026-06-01 00:00:00", "2026-06-02 00:00:00")


# --------------------------------------------------------------------------- one problem or many


# Values that make one key wrong; broken_documents breaks a key at most once per monitor.
BAD_MONITOR_VALUES = {
    "window": [{"every": "0 day"}, {"every": "3 fortnight"}, {"every": "-1 day"}, {"every": "1.5 days"},
               {"every": "daily"}, {"every": 1}, {"rows": -1}, {"rows": 1}, {"rows": 0}, {"rows": "5000"},
               {"rows": True}, {"rows": 2.5}, {"every": "1 day", "rows": 10}, {}, [], "1 day", None],
    "reference": [{"from": "2026-07-01", "to": "2026-06-01"}, {"from": "2026-06-01", "to": "2026-06-01"},
                  {"from": "yesterday", "to": "2026-06-01"}, {"from": "2026-06-01"}, {"previous": 0},
                  {"rolling": -3}, {"rolling": "7"}, {"previous": True}, {"previous": 1, "rolling": 2},
                  {"last": 7}, [], "2026-06-01", None],
    "relation": [INJECTION, "a.b.c", "", "main.", ".t", "main.car loan", 3, None, ["main", "t"]],
    "id": [INJECTION, "1id", "", "x y", 7, [], None],
    "timestamp": [INJECTION, "ts-1", "", 0.5, {"column": "ts"}, None],
    "features": [{"numeric": [INJECTION]}, {"numeric": "x y"}, {"categorical": [1]}, {"numeric": ["a", "a"]},
                 {"numeric": ["a"], "categorical": ["a"]}, {"text": ["a"]}, {"numeric": {"a": 1}}, "a", 0, []],
    "predictions": [{"label": "y"}, {"score": INJECTION}, {"score": []}, {"score": "p", "relation": "a.b.c"},
                    {"score": "p", "version": "v"}, {"score": "p", "label": 1}, "p", []],
    "labels": [{"column": INJECTION}, {"relation": "t"}, {"column": "y", "timestamp": INJECTION},
               {"column": "y", "timestamp": []}, {"column": "y", "when": "t"}, "y", 1],
    "segments": [[INJECTION], "a;b", [1], {"a": 1}],
    "schema_version": ["v 1", "", 1, INJECTION],
    "schema_version_column": [INJECTION, 1, ""],
    "thresholds": [{"alpha": 0}, {"alpha": 1}, {"alpha": "0.05"}, {"alpha": True}, {"alpha": math.nan},
                   {"fdr": "yes"}, {"persist": 0}, {"persist": 1.5}, {"min_effect": {"kss": 0.1}},
                   {"min_effect": {"ks": -0.1}}, {"min_effect": {"ks": math.nan}}, {"min_effect": {"psi": math.inf}},
                   {"min_effect": 0.1}, {"colour": "red"}, [], None],
}
BAD_TOP_LEVEL_VALUES = {
    "results_schema": [INJECTION, "1abc", "", 5, None],
    "expectations_dir": ["", 3, None],
    "sample_size": [5, -1, "2000", 2.5, True],
    "reference_sample_size": [9, None],
    "permutations": [0, "many"],
    "seed": [-1, 1.5],
    "memory_limit": ["lots", "4 G", 4, INJECTION],
    "lock_timeout": [-1, "30", math.nan, True],
}


@st.composite
def broken_documents(draw) -> tuple[dict, list[str]]:
    """A valid document with several problems at distinct places, and the <where> prefixes
    the error must name: each problem at least once, nothing else."""
    document = draw(valid_documents())
    monitors = document["monitors"]
    expected: list[str] = []
    labels = {i: m["name"] for i, m in enumerate(monitors)}
    # A bad monitor name: that monitor is then named by its position.
    if draw(st.booleans()):
        i = draw(st.integers(0, len(monitors) - 1))
        monitors[i]["name"] = draw(st.sampled_from(["Car-Loan", "", INJECTION, 7, None, "a b"]))
        labels[i] = f"#{i}"
        expected.append(f"monitors[{i}].name")
    # A duplicate name: the later monitor takes an earlier one's (valid) name.
    valid = [i for i in labels if not labels[i].startswith("#")]
    if len(monitors) > 1 and len(valid) > 1 and draw(st.booleans()):
        first, later = sorted(draw(st.lists(st.sampled_from(valid), min_size=2, max_size=2, unique=True)))
        monitors[later]["name"] = monitors[first]["name"]
        labels[later] = monitors[first]["name"]
        expected.append(f"monitors[{monitors[first]['name']}].name")
    for i, monitor in enumerate(monitors):
        keys = draw(st.lists(st.sampled_from(sorted(BAD_MONITOR_VALUES)), max_size=4, unique=True))
        for key in keys:
            bad = draw(st.sampled_from(BAD_MONITOR_VALUES[key]))
            if bad is None and key in ("predictions", "labels", "schema_version_column"):
                continue  # optional keys: None means absent
            monitor[key] = copy.deepcopy(bad)
            expected.append(f"monitors[{labels[i]}].{key}")
        if draw(st.booleans()):
            unknown = draw(identifiers.filter(lambda k: k not in MONITOR_KEYS))
            monitor[unknown] = draw(st.integers())
            expected.append(f"monitors[{labels[i]}].{unknown}")
    for key in draw(st.lists(st.sampled_from(sorted(BAD_TOP_LEVEL_VALUES)), max_size=3, unique=True)):
        document[key] = copy.deepcopy(draw(st.sampled_from(BAD_TOP_LEVEL_VALUES[key])))
        expected.append(key)
    if draw(st.booleans()):
        unknown = draw(identifiers.filter(lambda k: k not in TOP_LEVEL_KEYS))
        document[unknown] = 1
        expected.append(unknown)
    return document, expected


def problem_lines(document) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(document)
    lines = info.value.problems
    assert lines and str(info.value) == "; ".join(lines)
    for line in lines:
        assert "\n" not in line and "\r" not in line, line
        assert LINE.fullmatch(line), line
    return lines


def where(line: str) -> str:
    return LINE.fullmatch(line)["where"]


def names(line_where: str, prefix: str) -> bool:
    """Does <where> point at ``prefix`` (the key itself or a place inside it)?"""
    return line_where == prefix or line_where.startswith((prefix + ".", prefix + "["))


@PROPERTY
@given(broken_documents())
def test_every_problem_is_listed_and_only_problems(case):
    document, expected = case
    if not expected:
        parse_config(document)
        return
    lines = problem_lines(document)
    found = [where(line) for line in lines]
    for prefix in expected:
        assert any(names(w, prefix) for w in found), (prefix, lines)
    for w, line in zip(found, lines):
        assert any(names(w, prefix) for prefix in expected), (line, expected)
    for line in lines:  # what was expected, or what is wrong with the value
        assert re.search(r"expected|unknown|duplicate|must be|twice|both|missing", line), line


@pytest.mark.parametrize("key, bad", [(k, v) for k, vs in BAD_MONITOR_VALUES.items() for v in vs if v is not None])
def test_each_bad_monitor_value_alone_is_one_problem_at_its_key(key, bad):
    document = {"monitors": [{"name": "m", "relation": "main.t", "id": "id", "timestamp": "ts",
                              "window": {"every": "1 day"}, "reference": {"previous": 1}, key: copy.deepcopy(bad)}]}
    lines = problem_lines(document)
    assert all(names(where(line), f"monitors[m].{key}") for line in lines), lines
    assert len(lines) == 1 or key == "features", lines  # features may fail per list item


def test_injection_is_rejected_everywhere_an_identifier_goes():
    document = {"results_schema": INJECTION, "monitors": [{
        "name": "m", "relation": INJECTION, "id": INJECTION, "timestamp": INJECTION, "window": {"every": "1 day"},
        "reference": {"previous": 1}, "features": {"numeric": [INJECTION], "categorical": [INJECTION]},
        "predictions": {"relation": INJECTION, "score": INJECTION, "label": INJECTION, "model_version": INJECTION},
        "labels": {"relation": INJECTION, "column": INJECTION, "timestamp": INJECTION},
        "segments": [INJECTION], "schema_version_column": INJECTION}]}
    lines = problem_lines(document)
    assert {where(line) for line in lines} == {
        "results_schema", "monitors[m].relation", "monitors[m].id", "monitors[m].timestamp",
        "monitors[m].features.numeric[0]", "monitors[m].features.categorical[0]",
        "monitors[m].predictions.relation", "monitors[m].predictions.score[0]", "monitors[m].predictions.label",
        "monitors[m].predictions.model_version", "monitors[m].labels.relation", "monitors[m].labels.column",
        "monitors[m].labels.timestamp", "monitors[m].segments[0]", "monitors[m].schema_version_column"}


# --------------------------------------------------------------------------- anything at all

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12),
                    st.dates(), st.datetimes(timezones=st.one_of(st.none(), st.timezones())))
anything = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none(), st.floats()), inner, max_size=4),
), max_leaves=20)


def assert_config_or_config_error(document) -> None:
    try:
        config = parse_config(document)
    except ConfigError as exc:
        assert exc.problems
        for line in exc.problems:
            assert line.startswith("config: ") and "\n" not in line and "\r" not in line, line
    else:
        assert isinstance(config, Config)
        json.dumps(config.to_vars())


@PROPERTY
@given(anything)
def test_arbitrary_documents_never_raise_anything_else(document):
    assert_config_or_config_error(document)


@st.composite
def documents_with_one_value_replaced(draw):
    """A valid document with one value, anywhere in it, replaced by anything, or a key added
    with a strange name: structure-aware fuzzing reaches every branch of the parser."""
    document = draw(valid_documents())
    containers = []

    def walk(node):
        if isinstance(node, dict):
            containers.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            containers.append(node)
            for value in node:
                walk(value)

    walk(document)
    target = draw(st.sampled_from(containers))
    if isinstance(target, dict) and draw(st.booleans()):
        strange = draw(st.one_of(st.text(max_size=8), st.integers(), st.none(), st.booleans(), st.floats()))
        target[strange] = draw(anything)
    elif isinstance(target, dict) and target:
        target[draw(st.sampled_from(list(target)))] = draw(anything)
    elif isinstance(target, list) and target:
        target[draw(st.integers(0, len(target) - 1))] = draw(anything)
    return document


@PROPERTY
@given(documents_with_one_value_replaced())
def test_mutated_documents_never_raise_anything_else(document):
    assert_config_or_config_error(document)
