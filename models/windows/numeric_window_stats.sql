{#- Summary statistics per monitor × role × numeric column × window, from sums of powers
    (one definition on every engine, see macros/stats/sw_moments.sql) and exact quantiles. -#}
{{ config(materialized='incremental', unique_key=['monitor', 'window_start'], incremental_strategy='delete+insert') }}
-- depends_on: {{ ref('window_changes') }}
with v as (
  select * from {{ ref('stg_numeric_values') }} as v
  where {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
),
centers as (
  -- Pass 1: each window's mean, the shift that keeps the power sums from cancelling.
  select monitor, role, column_name, window_start, avg(value) as center
  from v
  group by monitor, role, column_name, window_start
),
agg as (
  select
    v.monitor, v.role, v.column_name, v.window_start, v.window_end,
    max(c.center) as center,
    count(*) as n,
    count(v.value) as n_values,
    sum(v.value - c.center) as s1,
    sum((v.value - c.center) * (v.value - c.center)) as s2,
    sum((v.value - c.center) * (v.value - c.center) * (v.value - c.center)) as s3,
    sum((v.value - c.center) * (v.value - c.center) * (v.value - c.center) * (v.value - c.center)) as s4,
    min(v.value) as min_value,
    max(v.value) as max_value,
    {%- for q in [1, 5, 25, 50, 75, 95, 99] %}
    {{ shiftwatch.sw_quantile('v.value', q / 100) }} as p{{ '%02d' % q }},
    {%- endfor %}
    count(distinct v.value) as n_distinct
  from v
  join centers as c
    on c.monitor = v.monitor and c.role = v.role and c.column_name = v.column_name and c.window_start = v.window_start
  group by v.monitor, v.role, v.column_name, v.window_start, v.window_end
)
select
  monitor, role, column_name, window_start, window_end,
  {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }} as is_reference,
  n,
  n - n_values as n_null,
  cast(n - n_values as {{ shiftwatch.sw_double() }}) / n as null_rate,
  {{ shiftwatch.sw_moments('n_values', 's1', 's2', 's3', 's4', shift='coalesce(center, 0)') }},
  min_value as min,
  max_value as max,
  p01, p05, p25, p50, p75, p95, p99,
  n_distinct,
  '{{ invocation_id }}' as build_id
from agg
