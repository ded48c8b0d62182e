{#- Histogram bin edges per monitor × role × numeric column, fixed from the reference's
    deciles. Bins are right-closed: (-inf, e1], (e1, e2], ..., (e9, inf). -#}
{{ config(materialized='incremental', unique_key=['monitor', 'role', 'column_name'], incremental_strategy='delete+insert') }}
-- depends_on: {{ ref('window_changes') }}
select
  monitor, role, column_name,
  {%- for q in range(1, 10) %}
  {{ shiftwatch.sw_quantile('value', q / 10) }} as e{{ q }}{{ ',' if not loop.last }}
  {%- endfor %}
from {{ ref('stg_numeric_values') }}
where value is not null
  and {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }}
{%- if not shiftwatch.sw_reference_changed() %}
  and 1 = 0  -- the reference did not change: keep the edges
{%- endif %}
group by monitor, role, column_name
