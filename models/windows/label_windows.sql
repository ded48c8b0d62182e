{#- True-label statistics per window over the events labelled so far: class count, the
    entropy of class shares (bits), label coverage and label latency (hours). Class shares
    per window are in category_windows (role 'label'). -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
-- depends_on: {{ ref('window_changes') }}
with shares as (
  select monitor, window_start, column_name,
    -sum(share * ln(share)) / ln(2.0) as entropy, count(*) as n_classes
  from {{ ref('category_windows') }} as c
  where role = 'label' and {{ shiftwatch.sw_changed_window('c') }}
  group by monitor, window_start, column_name
),
labeled as (
  select monitor, window_start, window_end, y_true, event_ts, labeled_at
  from {{ ref('stg_labeled_predictions') }} as v
  where segment = '*' and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
),
events as (
  select monitor, window_start, window_end,
    count(*) as n_events,
    count(y_true) as n_labeled
  from labeled
  group by monitor, window_start, window_end
),
{%- set latency_series = [] %}
{%- for m in shiftwatch.sw_config()['monitors'] if m['labels'] %}{% do latency_series.append((m['name'], 'latency', '')) %}{% endfor %}
{%- set latency_values -%}
(select monitor, 'latency' as role, {{ shiftwatch.sw_literal('') }} as column_name, window_start,
   {{ shiftwatch.sw_hours_between('event_ts', 'labeled_at') }} as value
 from labeled)
{%- endset %}
latency as (
  -- Exact p50 and p95 in one pass per monitor, as numeric_window_stats (bounded memory).
  select monitor, window_start, p50 as latency_p50_hours, p95 as latency_p95_hours
  from ({{ shiftwatch.sw_window_value_stats(latency_values, '(1 = 1)', latency_series, [50, 95]) }}) as q
)
select e.monitor, e.window_start, e.window_end, s.column_name, e.n_events, e.n_labeled,
  cast(e.n_labeled as {{ shiftwatch.sw_double() }}) / e.n_events as label_coverage,
  s.n_classes, s.entropy, t.latency_p50_hours, t.latency_p95_hours,
  {{ shiftwatch.sw_is_reference_case('e.monitor', 'e.window_start', 'e.window_end') }} as is_reference,
  '{{ invocation_id }}' as build_id
from events as e
left join shares as s on s.monitor = e.monitor and s.window_start = e.window_start
left join latency as t on t.monitor = e.monitor and t.window_start = e.window_start
