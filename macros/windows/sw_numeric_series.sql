{#- sw_numeric_series(monitors): the numeric series of `monitors` that stg_numeric_values
    holds, as (monitor, role, column) triples: each monitor's features, then its scores.
    Models that sort values take one `union all` branch per series.
    sw_series_rows(alias, series) is the predicate that keeps one series' rows. -#}
{% macro sw_numeric_series(monitors) %}
  {%- set series = [] -%}
  {%- for m in monitors -%}
    {%- for c in m['numeric'] -%}{%- do series.append((m['name'], 'feature', c)) -%}{%- endfor -%}
    {%- for s in (m['predictions']['scores'] if m['predictions'] else []) -%}{%- do series.append((m['name'], 'score', s)) -%}{%- endfor -%}
  {%- endfor -%}
  {{ return(series) }}
{% endmacro %}

{% macro sw_series_rows(alias, series) -%}
  {{ alias }}.monitor = {{ shiftwatch.sw_literal(series[0]) }} and {{ alias }}.role = {{ shiftwatch.sw_literal(series[1]) }}
  and {{ alias }}.column_name = {{ shiftwatch.sw_literal(series[2]) }}
{%- endmacro %}
