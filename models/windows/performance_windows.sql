{#- Model performance per monitor × window × segment over the events labelled so far.
    Late labels change these rows when they arrive. Binary classification metrics with the
    positive class '1'/'true'; ROC AUC by the rank-sum (Mann-Whitney) formula with average
    ranks for ties; log loss with scores clipped to [1e-15, 1 - 1e-15]. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
-- depends_on: {{ ref('window_changes') }}
with labeled as (
  select *,
    case when {{ shiftwatch.sw_is_positive('y_true') }} then 1 else 0 end as y,
    case when {{ shiftwatch.sw_is_positive('y_pred') }} then 1 else 0 end as yhat,
    least(greatest(score, 1e-15), 1 - 1e-15) as p
  from {{ ref('stg_labeled_predictions') }} as v
  where y_true is not null and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
),
ranked as (
  select monitor, window_start, segment, y,
    rank() over (partition by monitor, window_start, segment order by score)
      + (count(*) over (partition by monitor, window_start, segment, score) - 1) / 2.0 as avg_rank
  from labeled
  where score is not null
),
auc as (
  select monitor, window_start, segment,
    case when sum(y) > 0 and sum(1 - y) > 0 then
      (sum(case when y = 1 then avg_rank else 0 end) - sum(y) * (sum(y) + 1) / 2.0)
      / (cast(sum(y) as {{ shiftwatch.sw_double() }}) * sum(1 - y)) end as roc_auc
  from ranked
  group by monitor, window_start, segment
),
events as (
  select monitor, window_start, window_end, segment, count(*) as n_events
  from {{ ref('stg_labeled_predictions') }} as v
  where {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
  group by monitor, window_start, window_end, segment
),
agg as (
  select monitor, window_start, segment,
    count(*) as n_labeled,
    cast(sum(case when y = yhat then 1 else 0 end) as bigint) as n_correct,
    cast(sum(y * yhat) as bigint) as tp, cast(sum((1 - y) * yhat) as bigint) as fp,
    cast(sum(y * (1 - yhat)) as bigint) as fn,
    avg(-(y * ln(p) + (1 - y) * ln(1 - p))) as log_loss,
    avg((p - y) * (p - y)) as brier
  from labeled
  group by monitor, window_start, segment
),
joined as (
  select e.monitor, e.window_start, e.window_end, e.segment, e.n_events,
    coalesce(a.n_labeled, 0) as n_labeled, coalesce(a.n_correct, 0) as n_correct,
    a.tp, a.fp, a.fn, a.log_loss, a.brier, u.roc_auc
  from events as e
  left join agg as a on a.monitor = e.monitor and a.window_start = e.window_start and a.segment = e.segment
  left join auc as u on u.monitor = e.monitor and u.window_start = e.window_start and u.segment = e.segment
),
metrics as (
  {%- set metrics = {
      'accuracy': 'cast(n_correct as ' ~ shiftwatch.sw_double() ~ ') / nullif(n_labeled, 0)',
      'precision': 'cast(tp as ' ~ shiftwatch.sw_double() ~ ') / nullif(tp + fp, 0)',
      'recall': 'cast(tp as ' ~ shiftwatch.sw_double() ~ ') / nullif(tp + fn, 0)',
      'f1': 'cast(2 * tp as ' ~ shiftwatch.sw_double() ~ ') / nullif(2 * tp + fp + fn, 0)',
      'roc_auc': 'roc_auc',
      'log_loss': 'log_loss',
      'brier': 'brier'} %}
  {%- for name, expr in metrics.items() %}
  select monitor, window_start, window_end, segment, '{{ name }}' as metric,
    cast({{ expr }} as {{ shiftwatch.sw_double() }}) as value, n_labeled, n_correct, n_events
  from joined
  {{ 'union all' if not loop.last }}
  {%- endfor %}
)
select monitor, window_start, window_end, segment, metric, value, n_labeled, n_correct, n_events,
  cast(n_labeled as {{ shiftwatch.sw_double() }}) / n_events as label_coverage,
  {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }} as is_reference,
  '{{ invocation_id }}' as build_id
from metrics
