{#- NaN counts as null (docs/statistics.md); +-inf are kept as values. -#}
{% macro sw_finite_or_null(expr) %}{{ return(adapter.dispatch('sw_finite_or_null', 'shiftwatch')(expr)) }}{% endmacro %}
{% macro default__sw_finite_or_null(expr) %}nullif(cast({{ expr }} as {{ shiftwatch.sw_double() }}), cast('NaN' as {{ shiftwatch.sw_double() }})){% endmacro %}
{% macro duckdb__sw_finite_or_null(expr) %}(case when isnan(cast({{ expr }} as double)) then null else cast({{ expr }} as double) end){% endmacro %}
{% macro spark__sw_finite_or_null(expr) %}nanvl(cast({{ expr }} as double), null){% endmacro %}
