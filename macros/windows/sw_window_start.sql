{#- The start of the half-open window [start, end) that holds `ts`.
    Calendar windows of N hours/days/weeks are aligned on the Unix epoch (weeks on
    Monday 1970-01-05); months count from 1970-01. -#}
{% macro sw_window_start(ts, window) %}
  {%- set n = window['every_n'] -%}
  {%- set unit = window['every_unit'] -%}
  {%- if window['rows'] -%}
    {{ exceptions.raise_compiler_error("shiftwatch: row windows are computed in stg_row_windows, not by sw_window_start") }}
  {%- elif n == 1 -%}
    {{ return(dbt.date_trunc(unit, ts)) }}
  {%- elif unit == 'month' -%}
    {%- set months = '(floor(((extract(year from ' ~ ts ~ ') - 1970) * 12 + extract(month from ' ~ ts ~ ') - 1) / ' ~ n ~ ') * ' ~ n ~ ')' -%}
    {{ return(shiftwatch.sw_dateadd('month', months, "cast('1970-01-01' as " ~ shiftwatch.sw_timestamp() ~ ")")) }}
  {%- else -%}
    {%- set seconds = {'hour': 3600, 'day': 86400, 'week': 604800}[unit] * n -%}
    {%- set anchor = 345600 if unit == 'week' else 0 -%}
    {{ return(shiftwatch.sw_from_epoch_seconds('(floor((' ~ shiftwatch.sw_epoch_seconds(ts) ~ ' - ' ~ anchor ~ ') / ' ~ seconds ~ ') * ' ~ seconds ~ ' + ' ~ anchor ~ ')')) }}
  {%- endif -%}
{% endmacro %}
