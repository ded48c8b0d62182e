"""Data quality: Great Expectations suites derived from the reference period, validated
window by window through GE's SQL execution engine, and schema-version checks."""
