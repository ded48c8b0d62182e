{#- Score statistics and predicted-class shares with their entropy (bits) and top share,
    per window, for all model versions together (model_version '*', from the same
    artefacts as the features) and for each model version on its own (from
    stg_labeled_predictions, so a rollout shows each version side by side). -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
{%- set dbl = shiftwatch.sw_double() %}
{%- set stats_columns = ['mean', 'stddev', 'skewness', 'kurtosis', 'min', 'max', 'p01', 'p05', 'p25', 'p50', 'p75', 'p95', 'p99'] %}
with shares as (
  select monitor, window_start, column_name,
    -sum(share * ln(share)) / ln(2.0) as entropy,
    max(share) as top_share
  from {{ ref('category_windows') }} as c
  where role = 'prediction' and {{ shiftwatch.sw_changed_window('c') }}
  group by monitor, window_start, column_name
),
versioned as (
  select v.monitor, v.window_start, v.window_end, v.model_version, v.score, v.y_pred,
    {{ shiftwatch.sw_is_reference_case('v.monitor', 'v.window_start', 'v.window_end') }} as is_reference
  from {{ ref('stg_labeled_predictions') }} as v
  where v.segment = '*' and v.model_version <> '' and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
),
centers as (
  select monitor, window_start, model_version, avg(score) as center
  from versioned
  group by monitor, window_start, model_version
),
version_scores as (
  select p.monitor, p.window_start, p.window_end, p.model_version, p.is_reference,
    max(c.center) as center, count(*) as n, count(p.score) as n_values,
    sum(p.score - c.center) as s1,
    sum((p.score - c.center) * (p.score - c.center)) as s2,
    sum((p.score - c.center) * (p.score - c.center) * (p.score - c.center)) as s3,
    sum((p.score - c.center) * (p.score - c.center) * (p.score - c.center) * (p.score - c.center)) as s4,
    min(p.score) as min_value, max(p.score) as max_value
  from versioned as p
  join centers as c on c.monitor = p.monitor and c.window_start = p.window_start and c.model_version = p.model_version
  group by p.monitor, p.window_start, p.window_end, p.model_version, p.is_reference
),
{%- set version_columns = [] %}
{%- for m in shiftwatch.sw_config()['monitors'] if m['predictions'] and m['labels'] and m['predictions']['label'] and m['predictions']['model_version'] %}
  {%- do version_columns.append((m['name'], 'score', '')) %}
{%- endfor %}
{%- set version_values -%}
(select monitor, 'score' as role, {{ shiftwatch.sw_literal('') }} as column_name, window_start, model_version, score as value
 from versioned)
{%- endset %}
version_quantiles as (
  -- One pass per monitor: bounded memory, as numeric_window_stats (macros/stats/sw_window_value_stats.sql).
  select * from ({{ shiftwatch.sw_window_value_stats(version_values, '(1 = 1)', version_columns, [1, 5, 25, 50, 75, 95, 99], by='model_version') }}) as q
),
version_classes as (
  select monitor, window_start, window_end, model_version, is_reference, y_pred, count(*) as n
  from versioned
  where y_pred is not null
  group by monitor, window_start, window_end, model_version, is_reference, y_pred
),
version_shares as (
  select monitor, window_start, window_end, model_version, is_reference, n,
    cast(n as {{ dbl }}) / sum(n) over (partition by monitor, window_start, model_version) as share
  from version_classes
)
select s.monitor, s.window_start, s.window_end, s.column_name, 'score' as column_kind, '*' as model_version,
  s.n, s.n_null, s.null_rate, s.mean, s.stddev, s.skewness, s.kurtosis, s.min, s.max,
  s.p01, s.p05, s.p25, s.p50, s.p75, s.p95, s.p99, s.n_distinct, s.is_reference,
  cast(null as {{ dbl }}) as entropy, cast(null as {{ dbl }}) as top_share,
  '{{ invocation_id }}' as build_id
from {{ ref('numeric_window_stats') }} as s
where s.role = 'score' and {{ shiftwatch.sw_changed_window('s') }}
union all
select c.monitor, c.window_start, c.window_end, c.column_name, 'predicted_label' as column_kind, '*' as model_version,
  cast(sum(c.n) as bigint) as n, cast(0 as bigint) as n_null, cast(0 as {{ dbl }}) as null_rate,
  {%- for col in stats_columns %}
  cast(null as {{ dbl }}) as {{ col }},
  {%- endfor %}
  count(*) as n_distinct, c.is_reference, max(sh.entropy) as entropy, max(sh.top_share) as top_share,
  '{{ invocation_id }}' as build_id
from {{ ref('category_windows') }} as c
join shares as sh on sh.monitor = c.monitor and sh.window_start = c.window_start and sh.column_name = c.column_name
where c.role = 'prediction' and {{ shiftwatch.sw_changed_window('c') }}
group by c.monitor, c.window_start, c.window_end, c.column_name, c.is_reference
{%- set cfg = shiftwatch.sw_config() %}
{%- for m in cfg['monitors'] if m['predictions'] and m['labels'] and m['predictions']['label'] and m['predictions']['model_version'] %}
union all
select s.monitor, s.window_start, s.window_end, {{ shiftwatch.sw_literal(m['predictions']['scores'][0]) }} as column_name,
  'score' as column_kind, s.model_version,
  s.n, s.n - s.n_values as n_null, cast(s.n - s.n_values as {{ dbl }}) / s.n as null_rate,
  {{ shiftwatch.sw_moments('s.n_values', 's.s1', 's.s2', 's.s3', 's.s4', shift='coalesce(s.center, 0)') }},
  s.min_value as min, s.max_value as max, q.p01, q.p05, q.p25, q.p50, q.p75, q.p95, q.p99,
  coalesce(q.n_distinct, 0) as n_distinct, s.is_reference,
  cast(null as {{ dbl }}) as entropy, cast(null as {{ dbl }}) as top_share,
  '{{ invocation_id }}' as build_id
from version_scores as s
left join version_quantiles as q
  on q.monitor = s.monitor and q.window_start = s.window_start and q.model_version = s.model_version
where s.monitor = {{ shiftwatch.sw_literal(m['name']) }}
union all
select monitor, window_start, window_end, {{ shiftwatch.sw_literal(m['predictions']['label']) }} as column_name,
  'predicted_label' as column_kind, model_version,
  cast(sum(n) as bigint) as n, cast(0 as bigint) as n_null, cast(0 as {{ dbl }}) as null_rate,
  {%- for col in stats_columns %}
  cast(null as {{ dbl }}) as {{ col }},
  {%- endfor %}
  count(*) as n_distinct, is_reference, -sum(share * ln(share)) / ln(2.0) as entropy, max(share) as top_share,
  '{{ invocation_id }}' as build_id
from version_shares
where monitor = {{ shiftwatch.sw_literal(m['name']) }}
group by monitor, window_start, window_end, model_version, is_reference
{%- endfor %}
-- depends_on: {{ ref('window_changes') }}
