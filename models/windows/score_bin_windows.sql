{#- Scores in ten fixed bins [0, 0.1), …, [0.9, 1] per monitor × window × segment × model
    version: every
    event's count, and the labelled events with their positives. The labelled columns
    give P(y = 1 | score bin) for the calibration test; the counts give each segment's
    prediction drift. Scores outside [0, 1] are not probabilities and are not binned. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
with binned as (
  select monitor, window_start, window_end, segment, model_version, y_true,
    least(cast(floor(score * 10) as integer), 9) as bin
  from {{ ref('stg_labeled_predictions') }} as v
  where score >= 0 and score <= 1 and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
)
select monitor, window_start, window_end, segment, model_version, bin,
  count(*) as n,
  count(y_true) as n_labeled,
  cast(sum(case when {{ shiftwatch.sw_is_positive('y_true') }} then 1 else 0 end) as bigint) as n_positive,
  {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }} as is_reference,
  '{{ invocation_id }}' as build_id
from binned
group by monitor, window_start, window_end, segment, model_version, bin
-- depends_on: {{ ref('window_changes') }}
