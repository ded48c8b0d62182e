"""shiftwatch statistics: pure functions over numpy arrays that return small,
frozen result objects (like scipy's). No I/O, no config objects; definitions,
tie rules and defaults are documented in docs/statistics.md."""

from .categorical import PSI_EPSILON, Chi2Result, chi2_test, js_distance, psi
from .decision import (
    DEFAULT_MIN_EFFECT,
    TwoProportionResult,
    benjamini_hochberg,
    consecutive_runs,
    decide,
    two_proportion_test,
)
from .calibration import CalibrationShift, calibration_shift, prior_corrected_rates
from .distances import (
    DistanceResult,
    MeanShift,
    standardized_mean_difference,
    histogram_counts,
    reference_bin_edges,
    wasserstein_normalized,
)
from .label_shift import LabelShiftEstimate, bbse
from .trend import TrendResult, mann_kendall
from .ks import MAX_EXACT_N, KSResult, ks_2samp, ks_pvalue, ks_statistic
from .mmd import (
    DEFAULT_BANDWIDTH_SCALE,
    MMDAttribution,
    MMDResult,
    leave_one_feature_out,
    median_bandwidth,
    mmd_statistic,
    mmd_test,
    mmd_unbiased,
)

__all__ = [
    "CalibrationShift",
    "LabelShiftEstimate",
    "MeanShift",
    "TrendResult",
    "bbse",
    "calibration_shift",
    "mann_kendall",
    "prior_corrected_rates",
    "standardized_mean_difference",
    "DEFAULT_BANDWIDTH_SCALE",
    "DEFAULT_MIN_EFFECT",
    "MAX_EXACT_N",
    "PSI_EPSILON",
    "Chi2Result",
    "DistanceResult",
    "KSResult",
    "MMDAttribution",
    "MMDResult",
    "TwoProportionResult",
    "benjamini_hochberg",
    "chi2_test",
    "consecutive_runs",
    "decide",
    "histogram_counts",
    "js_distance",
    "ks_2samp",
    "ks_pvalue",
    "ks_statistic",
    "leave_one_feature_out",
    "median_bandwidth",
    "mmd_statistic",
    "mmd_test",
    "mmd_unbiased",
    "psi",
    "reference_bin_edges",
    "two_proportion_test",
    "wasserstein_normalized",
]
