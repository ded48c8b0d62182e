{#- Exact quantile with linear interpolation (numpy's default 'linear' method), as an
    aggregate. Models take quantiles through sw_quantiles, which avoids Spark's in-memory
    `percentile` on large groups. -#}
{% macro sw_quantile(column, q) %}{{ return(adapter.dispatch('sw_quantile', 'shiftwatch')(column, q)) }}{% endmacro %}
{% macro default__sw_quantile(column, q) %}percentile_cont({{ q }}) within group (order by {{ column }}){% endmacro %}
{% macro duckdb__sw_quantile(column, q) %}quantile_cont({{ column }}, {{ q }}){% endmacro %}
{% macro spark__sw_quantile(column, q) %}percentile({{ column }}, {{ q }}){% endmacro %}
