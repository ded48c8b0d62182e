{#- Summary statistics per monitor × role × numeric column × window, from sums of powers
    (one definition on every engine, see macros/stats/sw_moments.sql) and exact quantiles. -#}
{{ config(materialized='incremental', unique_key=['monitor', 'window_start'], incremental_strategy='delete+insert') }}
-- depends_on: {{ ref('window_changes') }}
with agg as (
  select
    monitor, role, column_name, window_start, window_end,
    count(*) as n,
    count(value) as n_values,
    sum(value) as s1,
    sum(value * value) as s2,
    sum(value * value * value) as s3,
    sum(value * value * value * value) as s4,
    min(value) as min_value,
    max(value) as max_value,
    {%- for q in [1, 5, 25, 50, 75, 95, 99] %}
    {{ shiftwatch.sw_quantile('value', q / 100) }} as p{{ '%02d' % q }},
    {%- endfor %}
    count(distinct value) as n_distinct
  from {{ ref('stg_numeric_values') }} as v
  where {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
  group by monitor, role, column_name, window_start, window_end
)
select
  monitor, role, column_name, window_start, window_end,
  {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }} as is_reference,
  n,
  n - n_values as n_null,
  cast(n - n_values as {{ shiftwatch.sw_double() }}) / n as null_rate,
  {{ shiftwatch.sw_moments('n_values', 's1', 's2', 's3', 's4') }},
  min_value as min,
  max_value as max,
  p01, p05, p25, p50, p75, p95, p99,
  n_distinct,
  '{{ invocation_id }}' as build_id
from agg
