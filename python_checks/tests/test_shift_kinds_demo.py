"""Shift kinds and observability on the demo's injected events (issue: ML shift kinds):
label shift estimated from predictions before its labels arrive, concept shift found once
labels arrive while P(x) stays quiet, multivariate alerts attributed to their features,
the degraded segment ranked first."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
import yaml

from python_checks import demo
from python_checks.demo import CONCEPT, COVARIATE, JOINT, LABEL, day_start

from .conftest import DEMO_ROWS, SMALL_SAMPLES, project_config, shiftwatch

R = "shiftwatch_results"


def test_label_shift_estimate_holds_the_true_prior(demo_workspace):
    """BBSE from the predictions alone: the estimated P(repaid = 1) moves on exactly the
    label-shift days, and its 95% interval holds the injected prior there; elsewhere the
    interval holds the reference prior's neighbourhood and nothing alerts."""
    con = demo_workspace.connect()
    truth = demo_workspace.truth["events"]["label_shift"]
    drifted = {w for (w,) in con.execute(f"select window_start from {R}.latest_results where test = 'bbse' and drifted").fetchall()}
    assert drifted == {day_start(d) for d in LABEL}
    rows = con.execute(f"select window_start, estimated_prior, ci_low, ci_high, reference_prior from {R}.label_shift_estimates "
                       f"where class_label = '1' and run_id = (select max(run_id) from {R}.latest_results)").fetchall()
    by_window = {w: (est, lo, hi, ref) for w, est, lo, hi, ref in rows}
    assert len(by_window) == demo.DAYS
    for d in LABEL:
        est, lo, hi, _ = by_window[day_start(d)]
        assert lo <= truth["true_prior"] <= hi, (d, lo, hi)
        assert abs(est - truth["true_prior"]) < 0.03
    for w, (est, lo, hi, ref) in by_window.items():
        assert lo <= est <= hi
        if w not in {day_start(d) for d in LABEL}:
            assert abs(est - truth["reference_prior"]) < 0.05, w


def test_joint_and_covariate_shifts_are_attributed_to_their_features(demo_workspace):
    con = demo_workspace.connect()
    drivers = {w: set(json.loads(details)["drivers"]) for w, details in con.execute(
        f"select window_start, details from {R}.latest_results where test = 'mmd' and drifted").fetchall()}
    expected = {**{day_start(d): {"income", "loan_amount"} for d in JOINT},
                **{day_start(d): {"car_value", "debt_to_income_ratio"} for d in COVARIATE}}
    assert drivers == expected


def test_concept_shift_is_found_while_p_x_stays_quiet(demo_workspace):
    """On the concept days accuracy and P(y | score bin) move, in the whole and in the
    south, with kind concept; no covariate, prediction or label test drifts there."""
    con = demo_workspace.connect()
    concept = [day_start(d) for d in CONCEPT]
    rows = set(con.execute(
        f"select column_name, segment, shift_kind, window_start from {R}.latest_results "
        f"where drifted and window_start between ? and ?", [concept[0], concept[-1]]).fetchall())
    assert rows == {(c, s, "concept", w) for c in ("accuracy", "calibration") for s in ("*", "region=south") for w in concept}


def test_p_x_given_y_separates_label_from_covariate_shift(demo_workspace):
    """P(x | y) is tracked per class: it stays put under the label shift (standardised mean
    differences below 0.1 on every feature and class) and moves under the covariate shift
    (car_value by about its injected 0.8 sd in both classes). It never alerts by itself."""
    con = demo_workspace.connect()
    label = con.execute(f"select max(effect) from {R}.latest_results where test = 'smd' and window_start between ? and ?",
                        [day_start(LABEL[0]), day_start(LABEL[-1])]).fetchone()[0]
    assert label < 0.1
    covariate = con.execute(
        f"select segment, min(effect), max(effect) from {R}.latest_results where test = 'smd' and column_name = 'car_value' "
        f"and window_start between ? and ? group by segment order by segment", [day_start(COVARIATE[0]), day_start(COVARIATE[-1])]).fetchall()
    assert [s for s, _, _ in covariate] == ["repaid=0", "repaid=1"]
    assert all(0.65 < lo and hi < 0.95 for _, lo, hi in covariate), covariate
    assert con.execute(f"select count(*) from {R}.latest_results where test = 'smd' and drifted").fetchone()[0] == 0


def test_the_degraded_segment_ranks_first(demo_workspace):
    con = demo_workspace.connect()
    first = con.execute(f"select window_start, segment, drifted_tests from {R}.segment_ranking where segment_rank = 1 "
                        "and window_start between ? and ? order by window_start",
                        [day_start(CONCEPT[0]), day_start(CONCEPT[-1])]).fetchall()
    assert first == [(day_start(d), "region=south", 2) for d in CONCEPT]


def test_feedback_loop_trend_is_tracked_and_quiet_on_the_demo(demo_workspace):
    """The demo has no feedback loop: the trend of the top predicted class's share is tested
    on every window with 14 windows of history and never drifts."""
    con = demo_workspace.connect()
    tested, drifted = con.execute(f"select count(*), count(*) filter (where drifted) from {R}.latest_results "
                                  "where test = 'trend' and skipped_reason is null").fetchone()
    assert (tested, drifted) == (demo.DAYS - 13, 0)


AS_OF_DAY = 57  # window 56 has its predictions but none of its labels (they arrive 1-7 days late)


@pytest.fixture(scope="module")
def before_labels(tmp_path_factory):
    """The demo's data as it stood at the start of day 57: rows of days 0-56, and only the
    labels that had arrived by then."""
    from python_checks.warehouse import connect

    d = tmp_path_factory.mktemp("as_of")
    path = d / "shiftwatch.duckdb"
    config = d / "shiftwatch.yml"
    config.write_text(yaml.safe_dump({"shiftwatch": project_config(expectations_dir=str(d / "expectations"), **SMALL_SAMPLES)}))
    import os

    os.environ["SHIFTWATCH_DUCKDB_PATH"] = str(path)
    as_of = day_start(AS_OF_DAY)
    with connect(".") as wh:
        demo.write(wh, demo.generate(rows=DEMO_ROWS))
        wh.execute(f"delete from main.car_loan where ts >= '{as_of}'")
        wh.execute(f"delete from main.car_loan_labels where labeled_at >= '{as_of}'")
    result = shiftwatch("run", "--config", str(config), "--format", "json", env={"SHIFTWATCH_DUCKDB_PATH": str(path)})
    assert result.code == 1, result.stderr[-3000:]
    con = duckdb.connect(str(path), read_only=True)
    yield con, result.json
    con.close()


def test_label_shift_is_estimated_before_its_labels_arrive(before_labels):
    con, summary = before_labels
    last = day_start(AS_OF_DAY - 1)
    assert con.execute(f"select n_labeled from {R}.label_windows where window_start = ?", [last]).fetchone()[0] == 0
    label_tests = con.execute(f"select test, drifted, skipped_reason from {R}.latest_results "
                              "where window_start = ? and shift_kind = 'label' order by test", [last]).fetchall()
    # No label has arrived: the label's own tests wait for them, the estimate speaks.
    assert label_tests == [("bbse", True, None), ("chi2", False, "too_few_labels"), ("js", False, "too_few_labels"),
                           ("psi", False, "too_few_labels")]
    lo, hi = con.execute(f"select ci_low, ci_high from {R}.label_shift_estimates where window_start = ? "
                         "and class_label = '1'", [last]).fetchone()
    assert lo <= demo.label_shift_prior() <= hi
    open_alerts = [(a["column_name"], a["shift_kind"], a["first_seen"][:10]) for a in summary["alerts"] if a["status"] == "open"]
    assert ("repaid", "label", str(day_start(LABEL[0]).date())) in open_alerts
    bbse = {w for (w,) in con.execute(f"select window_start from {R}.latest_results where test = 'bbse' and drifted").fetchall()}
    assert bbse == {day_start(d) for d in range(LABEL[0], AS_OF_DAY)}
