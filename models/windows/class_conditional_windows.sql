{#- P(x | y): the moments of every numeric feature per true class, per monitor × window,
    over the events labelled so far. Label shift keeps these fixed while the class
    shares move; covariate and concept shifts move them. Late labels update these rows. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
select v.monitor, v.window_start, v.window_end, v.column_name, l.y_true as label_class,
  count(v.value) as n,
  avg(v.value) as mean,
  stddev_samp(v.value) as stddev,
  {{ shiftwatch.sw_is_reference_case('v.monitor', 'v.window_start', 'v.window_end') }} as is_reference,
  '{{ invocation_id }}' as build_id
from {{ ref('stg_numeric_values') }} as v
join {{ ref('stg_labeled_predictions') }} as l
  on l.monitor = v.monitor and l.row_id = v.row_id and l.segment = '*'
where v.role = 'feature' and l.y_true is not null
  and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
group by v.monitor, v.window_start, v.window_end, v.column_name, l.y_true
-- depends_on: {{ ref('window_changes') }}
