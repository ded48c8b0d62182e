{#- Histogram bin edges per monitor × role × numeric column, fixed from the reference's
    deciles (for a relative reference: from the monitor's first 7 windows). Bins are
    right-closed: (-inf, e1], (e1, e2], ..., (e9, inf). A fixed reference's deciles are read
    off its ECDF (models/drift/reference_ecdf: each distinct value with the count up to
    it), which has sorted those very rows already: the value at rank r is the smallest with
    ref_le >= r. Relative references take the quantiles of their first windows' values per
    column (sw_window_value_stats, the rows as one "window"); both spill under the memory
    limit and interpolate as numpy's 'linear' method does. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'role', 'column_name'])) }}
-- depends_on: {{ ref('window_changes') }}
-- depends_on: {{ ref('window_index') }}
{%- set monitors = shiftwatch.sw_config()['monitors'] %}
{%- set fixed = monitors | selectattr('reference.kind', 'equalto', 'range') | list %}
{%- set relative = monitors | rejectattr('reference.kind', 'equalto', 'range') | list %}
{%- set percents = range(10, 100, 10) | list %}
{%- set condition = '(1 = 1)' if shiftwatch.sw_reference_changed() else '(1 = 0)' %}  {#- unchanged: keep the edges #}
{%- set reference_rows -%}
(select v.monitor, v.role, v.column_name, cast('2000-01-01 00:00:00' as {{ shiftwatch.sw_timestamp() }}) as window_start, v.value
 from {{ ref('stg_numeric_values') }} as v
 where {{ shiftwatch.sw_edge_rows('v') }})
{%- endset %}
with from_ecdf as (
  select monitor, role, column_name, max(n_reference) as cnt
    {%- for p in percents %},
    min(case when ref_le >= {{ shiftwatch.sw_order_statistic('n_reference', p, 'floor') }} then value end) as lo{{ p }},
    min(case when ref_le >= {{ shiftwatch.sw_order_statistic('n_reference', p, 'ceil') }} then value end) as hi{{ p }}
    {%- endfor %}
  from {{ ref('reference_ecdf') }} as e
  where e.monitor in ({% for m in fixed %}{{ shiftwatch.sw_literal(m['name']) }}{{ ', ' if not loop.last }}{% else %}null{% endfor %})
    and {{ condition }}
  group by monitor, role, column_name
)
select monitor, role, column_name,
  {%- for p in percents %}
  {{ shiftwatch.sw_interpolated('lo' ~ p, 'hi' ~ p, 'cnt', p) }} as e{{ loop.index }}{{ ',' if not loop.last }}
  {%- endfor %}
from from_ecdf
union all
select monitor, role, column_name,
  {%- for p in percents %}
  p{{ p }} as e{{ loop.index }}{{ ',' if not loop.last }}
  {%- endfor %}
from ({{ shiftwatch.sw_window_value_stats(reference_rows, condition, shiftwatch.sw_numeric_series(relative), percents) }}) as deciles
