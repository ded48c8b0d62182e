{#- Seconds since the Unix epoch as a double, fractional seconds included. -#}
{% macro sw_epoch_seconds(ts) %}{{ return(adapter.dispatch('sw_epoch_seconds', 'shiftwatch')(ts)) }}{% endmacro %}
{% macro default__sw_epoch_seconds(ts) %}extract(epoch from {{ ts }}){% endmacro %}
{% macro duckdb__sw_epoch_seconds(ts) %}epoch({{ ts }}){% endmacro %}
{% macro spark__sw_epoch_seconds(ts) %}(cast(unix_micros({{ ts }}) as double) / 1000000){% endmacro %}
