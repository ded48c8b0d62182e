{#- Histogram bin edges per monitor × role × numeric column, fixed from the reference's
    deciles (for a relative reference: from the monitor's first 7 windows). Bins are
    right-closed: (-inf, e1], (e1, e2], ..., (e9, inf). -#}
{{ config(materialized='incremental', unique_key=['monitor', 'role', 'column_name'], incremental_strategy='delete+insert') }}
-- depends_on: {{ ref('window_changes') }}
-- depends_on: {{ ref('window_index') }}
select
  monitor, role, column_name,
  {%- for q in range(1, 10) %}
  {{ shiftwatch.sw_quantile('value', q / 10) }} as e{{ q }}{{ ',' if not loop.last }}
  {%- endfor %}
from {{ ref('stg_numeric_values') }} as v
where value is not null
  and {{ shiftwatch.sw_edge_rows('v') }}
{%- if not shiftwatch.sw_reference_changed() %}
  and 1 = 0  -- the reference did not change: keep the edges
{%- endif %}
group by monitor, role, column_name
