{#- Histogram bin edges per monitor × role × numeric column, fixed from the reference's
    deciles (for a relative reference: from the monitor's first 7 windows). Bins are
    right-closed: (-inf, e1], (e1, e2], ..., (e9, inf). The deciles come from one sort per
    column (sw_sorted_window_stats, with the whole reference as one "window"), which
    spills under the memory limit. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'role', 'column_name'])) }}
-- depends_on: {{ ref('window_changes') }}
-- depends_on: {{ ref('window_index') }}
{%- set columns = shiftwatch.sw_numeric_series(shiftwatch.sw_config()['monitors']) %}
{%- set reference_rows -%}
(select v.monitor, v.role, v.column_name, cast('2000-01-01 00:00:00' as {{ shiftwatch.sw_timestamp() }}) as window_start, v.value
 from {{ ref('stg_numeric_values') }} as v
 where {{ shiftwatch.sw_edge_rows('v') }})
{%- endset %}
{%- set condition = '(1 = 1)' if shiftwatch.sw_reference_changed() else '(1 = 0)' %}  {#- unchanged: keep the edges #}
select monitor, role, column_name,
  {%- for q in range(1, 10) %}
  p{{ q * 10 }} as e{{ q }}{{ ',' if not loop.last }}
  {%- endfor %}
from ({{ shiftwatch.sw_sorted_window_stats(reference_rows, condition, columns, range(10, 100, 10) | list) }}) as deciles
