{#- Summary statistics per monitor × role × numeric column × window, all from one pass per
    column (macros/stats/sw_window_value_stats.sql): exact quantiles and distinct counts
    within each window, with bounded memory (docs/windows.md, "Memory"), and from the same
    partition the window's mean, the shift that keeps the sums of powers from cancelling
    (moments with one definition on every engine, macros/stats/sw_moments.sql). -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
{%- set changed = shiftwatch.sw_changed_window('v', 'event_ts') %}
{%- set columns = shiftwatch.sw_numeric_series(shiftwatch.sw_config()['monitors']) %}
with stats as (
  {{ shiftwatch.sw_window_value_stats(ref('stg_numeric_values'), changed, columns, [1, 5, 25, 50, 75, 95, 99], moments=true) }}
)
select
  s.monitor, s.role, s.column_name, s.window_start, s.window_end,
  {{ shiftwatch.sw_is_reference_case('s.monitor', 's.window_start', 's.window_end') }} as is_reference,
  s.n,
  s.n - s.n_values as n_null,
  cast(s.n - s.n_values as {{ shiftwatch.sw_double() }}) / s.n as null_rate,
  {{ shiftwatch.sw_moments('s.n_values', 's.s1', 's.s2', 's.s3', 's.s4', shift='coalesce(s.center, 0)') }},
  s.min_value as min,
  s.max_value as max,
  s.p01, s.p05, s.p25, s.p50, s.p75, s.p95, s.p99,
  s.n_distinct,
  '{{ invocation_id }}' as build_id
from stats as s
-- depends_on: {{ ref('window_changes') }}
