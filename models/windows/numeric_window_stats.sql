{#- Summary statistics per monitor × role × numeric column × window, from sums of powers
    (one definition on every engine, see macros/stats/sw_moments.sql), and exact quantiles
    and distinct counts from one sort per column (macros/stats/sw_sorted_window_stats.sql):
    a sort spills to disk under the memory limit, where a quantile aggregate holds every
    value of every group in memory at once. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
{%- set changed = shiftwatch.sw_changed_window('v', 'event_ts') %}
{%- set columns = shiftwatch.sw_numeric_series(shiftwatch.sw_config()['monitors']) %}
with v as (
  select * from {{ ref('stg_numeric_values') }} as v
  where {{ changed }}
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
    max(v.value) as max_value
  from v
  join centers as c
    on c.monitor = v.monitor and c.role = v.role and c.column_name = v.column_name and c.window_start = v.window_start
  group by v.monitor, v.role, v.column_name, v.window_start, v.window_end
),
sorted_stats as (
  {{ shiftwatch.sw_sorted_window_stats(ref('stg_numeric_values'), changed, columns, [1, 5, 25, 50, 75, 95, 99]) }}
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
  s.p01, s.p05, s.p25, s.p50, s.p75, s.p95, s.p99,
  coalesce(s.n_distinct, 0) as n_distinct,
  '{{ invocation_id }}' as build_id
from agg as a
left join sorted_stats as s
  on s.monitor = a.monitor and s.role = a.role and s.column_name = a.column_name and s.window_start = a.window_start
-- depends_on: {{ ref('window_changes') }}
