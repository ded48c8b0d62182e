{#- sw_ks_branches(columns): the KS result for every numeric series in `columns` ((monitor,
    role, column) triples, see sw_numeric_series), one `union all` branch per series, as
    sw_window_value_stats does: each branch sorts only its own values, partitions by window
    alone, and sorts in memory or spills on its own. The caller block, given the series,
    returns that series' rows: window_start, is_reference, n_current, n_reference, statistic;
    this macro adds the names and the window's end (from window_index). A relation with the
    result's columns and no rows when `columns` is empty. Usage:
      {% call(series) shiftwatch.sw_ks_branches(columns) %} select ... {% endcall %} -#}
{% macro sw_ks_branches(columns) %}
{%- if not columns %}
select cast(null as {{ shiftwatch.sw_string() }}) as monitor, cast(null as {{ shiftwatch.sw_string() }}) as role,
  cast(null as {{ shiftwatch.sw_string() }}) as column_name, cast(null as {{ shiftwatch.sw_timestamp() }}) as window_start,
  cast(null as {{ shiftwatch.sw_timestamp() }}) as window_end, cast(null as boolean) as is_reference,
  cast(null as bigint) as n_current, cast(null as bigint) as n_reference, cast(null as {{ shiftwatch.sw_double() }}) as statistic
where 1 = 0
{%- endif %}
{%- for series in columns %}
select {{ shiftwatch.sw_literal(series[0]) }} as monitor, {{ shiftwatch.sw_literal(series[1]) }} as role,
  {{ shiftwatch.sw_literal(series[2]) }} as column_name, p.window_start, n.window_end, p.is_reference,
  p.n_current, p.n_reference, p.statistic
from ({{ caller(series) }}) as p
join {{ ref('window_index') }} as n
  on n.monitor = {{ shiftwatch.sw_literal(series[0]) }} and n.window_start = p.window_start
{{ 'union all' if not loop.last }}
{%- endfor %}
{% endmacro %}
