{#- ts + n units (second, hour, day, week, month), keeping fractional seconds. dbt-spark's
    dateadd goes through whole unix seconds, so Spark uses timestampadd. -#}
{% macro sw_dateadd(unit, n, ts) %}{{ return(adapter.dispatch('sw_dateadd', 'shiftwatch')(unit, n, ts)) }}{% endmacro %}
{% macro default__sw_dateadd(unit, n, ts) %}{{ return(dbt.dateadd(unit, n, ts)) }}{% endmacro %}
{% macro spark__sw_dateadd(unit, n, ts) %}
  {%- if unit == 'week' -%}{{ return('timestampadd(day, 7 * (' ~ n ~ '), ' ~ ts ~ ')') }}{%- endif -%}
  {{ return('timestampadd(' ~ unit ~ ', ' ~ n ~ ', ' ~ ts ~ ')') }}
{% endmacro %}
