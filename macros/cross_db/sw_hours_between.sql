{% macro sw_hours_between(start_ts, end_ts) %}{{ return(adapter.dispatch('sw_hours_between', 'shiftwatch')(start_ts, end_ts)) }}{% endmacro %}
{% macro default__sw_hours_between(start_ts, end_ts) %}(({{ shiftwatch.sw_epoch_seconds(end_ts) }} - {{ shiftwatch.sw_epoch_seconds(start_ts) }}) / 3600.0){% endmacro %}
