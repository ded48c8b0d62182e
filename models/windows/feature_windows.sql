{#- The contract table of per-window feature statistics (docs/DESIGN.md): numeric
    features from numeric_window_stats, categorical ones counted here. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
-- depends_on: {{ ref('window_changes') }}
with categorical as (
  select
    monitor, column_name, window_start, window_end,
    count(*) as n,
    count(*) - count(category) as n_null,
    count(distinct category) as n_distinct
  from {{ ref('stg_categorical_values') }} as v
  where role = 'feature' and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
  group by monitor, column_name, window_start, window_end
)
select
  monitor, window_start, window_end, column_name, 'numeric' as column_kind,
  n, n_null, null_rate, mean, stddev, skewness, kurtosis, min, max,
  p01, p05, p25, p50, p75, p95, p99, n_distinct, is_reference, build_id
from {{ ref('numeric_window_stats') }} as s
where role = 'feature' and {{ shiftwatch.sw_changed_window('s') }}
union all
select
  monitor, window_start, window_end, column_name, 'categorical' as column_kind,
  n, n_null, cast(n_null as {{ shiftwatch.sw_double() }}) / n as null_rate,
  {%- for c in ['mean', 'stddev', 'skewness', 'kurtosis', 'min', 'max', 'p01', 'p05', 'p25', 'p50', 'p75', 'p95', 'p99'] %}
  cast(null as {{ shiftwatch.sw_double() }}) as {{ c }},
  {%- endfor %}
  n_distinct,
  {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }} as is_reference,
  '{{ invocation_id }}' as build_id
from categorical
