{#- Summary statistics per monitor × role × numeric column × window, from sums of powers
    (one definition on every engine, see macros/stats/sw_moments.sql) and exact quantiles. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
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
    count(distinct v.value) as n_distinct
  from v
  join centers as c
    on c.monitor = v.monitor and c.role = v.role and c.column_name = v.column_name and c.window_start = v.window_start
  group by v.monitor, v.role, v.column_name, v.window_start, v.window_end
),
quantiles as (
  {{ shiftwatch.sw_quantiles('v', ['monitor', 'role', 'column_name', 'window_start'], 'value',
                             [('p01', 0.01), ('p05', 0.05), ('p25', 0.25), ('p50', 0.5), ('p75', 0.75), ('p95', 0.95), ('p99', 0.99)]) }}
)
select
  a.monitor, a.role, a.column_name, a.window_start, a.window_end,
  {{ shiftwatch.sw_is_reference_case('a.monitor', 'a.window_start', 'a.window_end') }} as is_reference,
  a.n,
  a.n - a.n_values as n_null,
  cast(a.n - a.n_values as {{ shiftwatch.sw_double() }}) / a.n as null_rate,
  {{ shiftwatch.sw_moments('a.n_values', 'a.s1', 'a.s2', 'a.s3', 'a.s4', shift='coalesce(a.center, 0)') }},
  a.min_value as min,
  a.max_value as max,
  q.p01, q.p05, q.p25, q.p50, q.p75, q.p95, q.p99,
  a.n_distinct,
  '{{ invocation_id }}' as build_id
from agg as a
left join quantiles as q
  on q.monitor = a.monitor and q.role = a.role and q.column_name = a.column_name and q.window_start = a.window_start
