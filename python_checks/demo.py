"""The demo dataset: a car-loan model's features, predictions and delayed labels with
known, injected events (docs/demo.md).

Seventy daily windows from 2026-06-01; the first 28 are the reference. Each event has its
own days, so every (column, window) pair has one expected outcome, and the truth is
written to a JSON file beside the data. Generation is vectorised and seeded.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

START = dt.datetime(2026, 6, 1)
DAYS = 70
REFERENCE_DAYS = range(0, 28)
AS_OF = START + dt.timedelta(days=DAYS)  # labels after this have not arrived yet

# Injected events: day indexes (windows) where each one is active.
JOINT = range(32, 36)  # corr(income, loan_amount) 0 -> 0.8, marginals unchanged
NULL_BURST = (38,)  # 40% of employment_years missing
OUT_OF_RANGE = (40,)  # 3% of ages are -1
UNSEEN_CATEGORY = (42,)  # 1% of regions are 'atlantis'
COVARIATE = range(44, 50)  # car_value +0.8 sd, debt_to_income_ratio +0.7 sd
PREDICTION = range(66, 70)  # model v2, just deployed, compresses scores toward 0.5 (same labels): still open
LABEL = range(54, 58)  # P(repaid) 0.671 -> 0.814 with P(x | y) unchanged (label_shift_prior)
CONCEPT = range(58, 64)  # in region 'south', P(repaid | x) flips; P(x), P(y) unchanged
SCHEMA_V2 = range(66, 70)  # loan_term_months retyped BIGINT -> DOUBLE (years), channel added

NUMERIC = ("car_value", "debt_to_income_ratio", "income", "loan_amount", "loan_term_months",
           "credit_score", "age", "employment_years", "num_open_accounts", "interest_rate")
CATEGORICAL = ("salary_range", "region", "employment_type")
REGIONS = np.array(["north", "south", "east", "west"], dtype=object)  # object: room for "atlantis"
REGION_P = (0.3, 0.3, 0.25, 0.15)
EMPLOYMENT = np.array(["salaried", "self_employed", "contractor", "unemployed"])
EMPLOYMENT_P = (0.6, 0.2, 0.15, 0.05)
TERMS = np.array([36, 48, 60, 72])
TERM_CUTS = (-0.5244, 0.2533, 1.2816)  # standard-normal cuts for shares 0.3, 0.3, 0.3, 0.1


@dataclass(frozen=True)
class DemoData:
    features: pa.Table
    predictions: pa.Table
    labels: pa.Table


def day_start(day: int) -> dt.datetime:
    return START + dt.timedelta(days=day)


def daily_counts(rows: int) -> np.ndarray:
    """Rows per day with weekly seasonality: weekends carry 60% of a weekday's volume."""
    weekday = np.array([day_start(d).weekday() for d in range(DAYS)])
    weight = np.where(weekday >= 5, 0.6, 1.1)
    counts = np.floor(rows * weight / weight.sum()).astype(int)
    counts[: rows - counts.sum()] += 1
    return counts


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _draw_day(rng: np.random.Generator, day: int, n: int) -> dict[str, np.ndarray]:
    """One day's events from the process of that day (reference process plus its events)."""
    if day in LABEL:
        # Label shift by rejection sampling on the label: P(x | y) stays the reference's.
        pool = _draw_day(rng, -1, 4 * n)
        y = pool["repaid"]
        accept = np.where(y == 1, 1.0, (0.18 / 0.82) / (0.32 / 0.68))
        keep = np.flatnonzero(rng.random(y.size) < accept)[:n]
        if keep.size < n:
            raise RuntimeError("label-shift pool too small")  # cannot happen with a 4x pool
        return {k: v[keep] for k, v in pool.items()}

    z = rng.standard_normal((n, 10))
    rho = 0.8 if day in JOINT else 0.0
    z_income = z[:, 0]
    z_loan = rho * z[:, 0] + np.sqrt(1 - rho * rho) * z[:, 1]
    z_credit, z_rate, z_age, z_car, z_dti, z_accounts, z_years, z_term = (z[:, i] for i in range(2, 10))
    if day in COVARIATE:
        z_car = z_car + 0.8
        z_dti = z_dti + 0.7

    income = np.exp(10.8 + 0.4 * z_income)
    region = REGIONS[rng.choice(4, size=n, p=REGION_P)]
    if day in UNSEEN_CATEGORY:
        region[rng.random(n) < 0.01] = "atlantis"
    age = np.clip(np.round(40 + 11 * z_age), 18, 80)
    if day in OUT_OF_RANGE:
        age[rng.random(n) < 0.03] = -1
    employment_years = np.round(np.exp(1.5 + 0.6 * z_years), 1)
    employment_years[rng.random(n) < (0.40 if day in NULL_BURST else 0.01)] = np.nan

    # The model's signal: the latent normals of six features, none of which carries much
    # of it alone, so a prior shift moves the score clearly but no single feature past the
    # KS gate. Latents are symmetric, so flipping the signal (concept shift) keeps P(y).
    signal = 0.61 * (z_credit - z_rate + z_age + z_accounts + z_years - z_term)
    true_logit = 1.0 + signal
    if day in CONCEPT:
        true_logit = np.where(region == "south", 1.0 - signal, true_logit)
    repaid = (rng.random(n) < _sigmoid(true_logit)).astype(np.int64)
    score = _sigmoid(1.0 + signal)  # model v1 is the reference process's own P(repaid | x)
    model_version = np.full(n, "v1", dtype=object)
    if day in PREDICTION:
        score = _sigmoid(0.5 * (1.0 + signal))  # v2: same ranking and labels, compressed scores
        model_version[:] = "v2"

    return {
        "car_value": np.round(25000 + 8000 * z_car, 2),
        "debt_to_income_ratio": np.round(0.35 + 0.1 * z_dti, 4),
        "income": np.round(income, 2),
        "loan_amount": np.round(20000 + 6000 * z_loan, 2),
        "loan_term_months": TERMS[np.searchsorted(TERM_CUTS, z_term)],
        "credit_score": np.round(680 + 60 * z_credit).astype(np.int64),
        "age": age.astype(np.int64),
        "employment_years": employment_years,
        "num_open_accounts": np.clip(np.round(4 + 1.5 * z_accounts), 0, None).astype(np.int64),
        "interest_rate": np.round(0.07 + 0.015 * z_rate, 5),
        "salary_range": np.select([income < 30000, income < 60000, income < 100000],
                                  ["<30k", "30-60k", "60-100k"], ">100k"),
        "region": region,
        "employment_type": EMPLOYMENT[rng.choice(4, size=n, p=EMPLOYMENT_P)],
        "y_pred_proba": np.round(score, 6),
        "model_version": model_version,
        "repaid": repaid,
    }


def generate(rows: int = 1_000_000, seed: int = 7) -> DemoData:
    """Generate the demo tables (Arrow). ``rows`` is spread over 70 days."""
    rng = np.random.default_rng(seed)
    counts = daily_counts(rows)
    parts: list[dict[str, np.ndarray]] = []
    stamps: list[np.ndarray] = []
    for day, n in enumerate(counts):
        parts.append(_draw_day(rng, day, int(n)))
        seconds = np.sort(rng.integers(0, 86400, size=int(n)))
        stamps.append(np.datetime64(day_start(day), "s") + seconds.astype("timedelta64[s]"))
    data = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    ts = np.concatenate(stamps)
    day_of_row = np.repeat(np.arange(DAYS), counts)
    n_total = ts.size
    ids = np.arange(1, n_total + 1, dtype=np.int64)

    v2 = np.isin(day_of_row, list(SCHEMA_V2))
    term = data["loan_term_months"].astype(np.float64)
    term[v2] = term[v2] / 12.0  # the upstream change: the term is now sent in years
    channel = np.where(v2, np.where(rng.random(n_total) < 0.7, "web", "branch"), None)

    features = pa.table({
        "id": ids,
        "ts": pa.array(ts, pa.timestamp("us")),
        # Missing values are SQL NULLs (a NaN would be a value to the warehouse).
        **{c: pa.array(data[c], mask=np.isnan(data[c]) if data[c].dtype.kind == "f" else None)
           for c in NUMERIC if c != "loan_term_months"},
        "loan_term_months": term,
        **{c: data[c].astype(str) for c in CATEGORICAL},
        "schema_version": np.where(v2, "v2", "v1"),
        "channel": pa.array(channel, pa.string()),
    }).select(["id", "ts", *NUMERIC, *CATEGORICAL, "schema_version", "channel"])

    predictions = pa.table({
        "id": ids,
        "y_pred_proba": data["y_pred_proba"],
        "y_pred": (data["y_pred_proba"] >= 0.5).astype(np.int64),
        "model_version": data["model_version"].astype(str),
    })

    delay_seconds = rng.uniform(86400, 7 * 86400, size=n_total).astype("timedelta64[s]")
    labeled_at = ts + delay_seconds
    arrived = labeled_at < np.datetime64(AS_OF, "s")
    labels = pa.table({
        "id": ids[arrived],
        "repaid": data["repaid"][arrived],
        "labeled_at": pa.array(labeled_at[arrived], pa.timestamp("us")),
    })
    return DemoData(features=features, predictions=predictions, labels=labels)


def write(warehouse, data: DemoData, schema: str = "main") -> None:
    """Write the demo tables as they stood *before* the upstream schema change (v1 types,
    v1 rows only). ``apply_schema_change`` then alters the table and appends the v2 rows,
    so a suite registered in between sees the change as users would."""
    v1 = data.features.filter(pc.equal(data.features["schema_version"], "v1")).drop_columns(["channel"])
    v1 = v1.set_column(v1.schema.get_field_index("loan_term_months"), "loan_term_months",
                       pc.cast(v1["loan_term_months"], pa.int64()))
    warehouse.load_arrow(schema, "car_loan", v1)
    warehouse.load_arrow(schema, "car_loan_predictions", data.predictions)
    warehouse.load_arrow(schema, "car_loan_labels", data.labels)


def apply_schema_change(warehouse, data: DemoData, schema: str = "main") -> None:
    """The upstream pipeline's change: loan_term_months becomes DOUBLE (in years from now
    on) and a `channel` column appears; then the v2 rows arrive."""
    warehouse.evolve_table(schema, "car_loan", retype={"loan_term_months": "double"}, add={"channel": "string"})
    v2 = data.features.filter(pc.equal(data.features["schema_version"], "v2"))
    warehouse.load_arrow(schema, "car_loan", v2, replace=False)


def reference_prior() -> float:
    """P(repaid = 1) of the reference process: E[sigmoid(1 + S)], S ~ N(0, 6 · 0.61²)."""
    from scipy import integrate, special, stats

    sd = 0.61 * np.sqrt(6.0)
    return float(integrate.quad(lambda s: special.expit(1.0 + s) * stats.norm.pdf(s, scale=sd), -12 * sd, 12 * sd)[0])


def label_shift_prior() -> float:
    """P(repaid = 1) on the label-shift days: the reference prior after the rejection step
    keeps a negative with probability (0.18/0.82)/(0.32/0.68) and every positive."""
    p = reference_prior()
    keep_negative = (0.18 / 0.82) / (0.32 / 0.68)
    return p / (p + (1.0 - p) * keep_negative)


def truth() -> dict:
    """The injected events as the alerts, quality failures and schema changes they must cause."""
    def window(day: int) -> str:
        return day_start(day).isoformat(sep=" ")

    alerts = []
    for day in JOINT:
        alerts.append({"column_name": "*", "window_start": window(day), "shift_kind": "covariate", "segment": "*"})
    for day in COVARIATE:
        for column in ("car_value", "debt_to_income_ratio", "*"):
            alerts.append({"column_name": column, "window_start": window(day), "shift_kind": "covariate", "segment": "*"})
    for day in PREDICTION:
        alerts.append({"column_name": "y_pred_proba", "window_start": window(day), "shift_kind": "prediction", "segment": "*"})
    for day in LABEL:
        # The prior moves 14 points (JS 0.14 against a gate of 0.1); what it drags along,
        # P(y_pred) and P(x) along the model's signal, stays clearly under every gate.
        alerts.append({"column_name": "repaid", "window_start": window(day), "shift_kind": "label", "segment": "*"})
    for day in PREDICTION:
        # v2's compressed scores move every region's score distribution alike.
        for region in REGIONS:
            alerts.append({"column_name": "y_pred_proba", "window_start": window(day), "shift_kind": "prediction",
                           "segment": f"region={region}"})
    for day in CONCEPT:
        # P(repaid | x) flips in the south: its accuracy drops and P(y | score bin) moves,
        # in the segment and (30% of events) in the whole.
        for segment in ("*", "region=south"):
            for column in ("accuracy", "calibration"):
                alerts.append({"column_name": column, "window_start": window(day), "shift_kind": "concept", "segment": segment})
    quality = (
        [{"column_name": "employment_years", "window_start": window(d), "expectation": "expect_column_values_to_not_be_null"} for d in NULL_BURST]
        + [{"column_name": "age", "window_start": window(d), "expectation": "expect_column_values_to_be_between"} for d in OUT_OF_RANGE]
        + [{"column_name": "region", "window_start": window(d), "expectation": "expect_column_values_to_be_in_set"} for d in UNSEEN_CATEGORY]
    )
    return {
        "monitor": "car_loan",
        "start": window(0),
        "days": DAYS,
        "reference": {"from": window(0), "to": window(len(REFERENCE_DAYS))},
        "as_of": AS_OF.isoformat(sep=" "),
        "events": {
            "joint_shift": {"days": list(JOINT), "columns": ["income", "loan_amount"], "what": "correlation 0 -> 0.8, marginals unchanged"},
            "null_burst": {"days": list(NULL_BURST), "columns": ["employment_years"], "what": "40% nulls (1% otherwise)"},
            "out_of_range": {"days": list(OUT_OF_RANGE), "columns": ["age"], "what": "3% of ages are -1"},
            "unseen_category": {"days": list(UNSEEN_CATEGORY), "columns": ["region"], "what": "1% of rows have region 'atlantis'"},
            "covariate_shift": {"days": list(COVARIATE), "columns": ["car_value", "debt_to_income_ratio"], "what": "+0.8 sd and +0.7 sd mean shifts"},
            "prediction_shift": {"days": list(PREDICTION), "columns": ["y_pred_proba"], "what": "model v2 halves the logit: same labels, compressed scores"},
            "label_shift": {"days": list(LABEL), "columns": ["repaid"], "what": "P(repaid) 0.67 -> 0.81, P(x | y) unchanged",
                            "reference_prior": reference_prior(), "true_prior": label_shift_prior()},
            "concept_shift": {"days": list(CONCEPT), "columns": ["repaid"], "segment": "region=south", "what": "P(repaid | x) flips in region south"},
            "schema_v2": {"days": list(SCHEMA_V2), "columns": ["loan_term_months", "channel"], "what": "loan_term_months BIGINT -> DOUBLE in years; channel VARCHAR added"},
        },
        "alerts": alerts,
        "quality_failures": quality,
        "schema_changes": [
            {"column_name": "channel", "change": "added", "expected_type": None, "actual_type": "VARCHAR"},
            {"column_name": "loan_term_months", "change": "type_changed", "expected_type": "BIGINT", "actual_type": "DOUBLE"},
        ],
        "schema_mismatch": [{"column_name": "loan_term_months", "window_start": window(d)} for d in SCHEMA_V2],
    }


def write_truth(path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(truth(), indent=2) + "\n")
    return path
