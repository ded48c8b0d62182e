{#- The confusion counts of every window over the events labelled so far: predicted ×
    true class. The reference windows' counts are what black-box shift estimation
    (python_checks.stats.bbse) inverts to estimate a window's class priors from its
    predictions before its labels arrive. Late labels update these rows. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
select monitor, window_start, window_end, y_pred, y_true, count(*) as n,
  {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }} as is_reference,
  '{{ invocation_id }}' as build_id
from {{ ref('stg_labeled_predictions') }} as v
where segment = '*' and y_pred is not null and y_true is not null
  and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
group by monitor, window_start, window_end, y_pred, y_true
-- depends_on: {{ ref('window_changes') }}
