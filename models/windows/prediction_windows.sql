{#- Score statistics per window (as feature_windows) and predicted-class shares with
    their entropy (bits). -#}
{{ config(materialized='incremental', unique_key=['monitor', 'window_start'], incremental_strategy='delete+insert') }}
-- depends_on: {{ ref('window_changes') }}
with shares as (
  select monitor, window_start, column_name,
    -sum(share * ln(share)) / ln(2.0) as entropy,
    max(share) as top_share
  from {{ ref('category_windows') }} as c
  where role = 'prediction' and {{ shiftwatch.sw_changed_window('c') }}
  group by monitor, window_start, column_name
)
select s.monitor, s.window_start, s.window_end, s.column_name, 'score' as column_kind,
  s.n, s.n_null, s.null_rate, s.mean, s.stddev, s.skewness, s.kurtosis, s.min, s.max,
  s.p01, s.p05, s.p25, s.p50, s.p75, s.p95, s.p99, s.n_distinct, s.is_reference,
  cast(null as {{ shiftwatch.sw_double() }}) as entropy, cast(null as {{ shiftwatch.sw_double() }}) as top_share,
  '{{ invocation_id }}' as build_id
from {{ ref('numeric_window_stats') }} as s
where s.role = 'score' and {{ shiftwatch.sw_changed_window('s') }}
union all
select c.monitor, c.window_start, c.window_end, c.column_name, 'predicted_label' as column_kind,
  cast(sum(c.n) as bigint) as n, cast(0 as bigint) as n_null, cast(0 as {{ shiftwatch.sw_double() }}) as null_rate,
  {%- for col in ['mean', 'stddev', 'skewness', 'kurtosis', 'min', 'max', 'p01', 'p05', 'p25', 'p50', 'p75', 'p95', 'p99'] %}
  cast(null as {{ shiftwatch.sw_double() }}) as {{ col }},
  {%- endfor %}
  count(*) as n_distinct, c.is_reference, max(sh.entropy) as entropy, max(sh.top_share) as top_share,
  '{{ invocation_id }}' as build_id
from {{ ref('category_windows') }} as c
join shares as sh on sh.monitor = c.monitor and sh.window_start = c.window_start and sh.column_name = c.column_name
where c.role = 'prediction' and {{ shiftwatch.sw_changed_window('c') }}
group by c.monitor, c.window_start, c.window_end, c.column_name, c.is_reference
