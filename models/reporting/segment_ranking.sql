{#- For which users did it degrade? Every segment value of every window, ranked by how
    much worse than the whole it does: the accuracy gap to segment '*' of the same window
    first, then the segment's drifted tests in the latest run. Segments with fewer than
    100 labelled events (the accuracy test's minimum) are listed but not ranked. -#}
with performance as (
  select monitor, window_start, window_end, segment, value as accuracy, n_labeled
  from {{ ref('performance_windows') }}
  where metric = 'accuracy'
),
overall as (
  select monitor, window_start, accuracy as overall_accuracy
  from performance
  where segment = '*'
),
drift as (
  select monitor, window_start, segment,
    sum(case when drifted then 1 else 0 end) as drifted_tests,
    max(case when test = 'accuracy' then effect end) as accuracy_drop_vs_reference,
    max(case when test = 'calibration' then effect end) as calibration_gap
  from {{ ref('latest_results') }}
  where segment <> '*'
  group by monitor, window_start, segment
),
joined as (
  select p.monitor, p.window_start, p.window_end, p.segment, p.accuracy, p.n_labeled,
    o.overall_accuracy, o.overall_accuracy - p.accuracy as accuracy_gap,
    coalesce(d.drifted_tests, 0) as drifted_tests, d.accuracy_drop_vs_reference, d.calibration_gap,
    case when p.n_labeled >= 100 and p.accuracy is not null then 1 else 0 end as ranked
  from performance as p
  join overall as o on o.monitor = p.monitor and o.window_start = p.window_start
  left join drift as d on d.monitor = p.monitor and d.window_start = p.window_start and d.segment = p.segment
  where p.segment <> '*'
)
select monitor, window_start, window_end, segment, accuracy, overall_accuracy, accuracy_gap, n_labeled,
  drifted_tests, accuracy_drop_vs_reference, calibration_gap,
  case when ranked = 1 then row_number() over (
    partition by monitor, window_start, ranked
    order by accuracy_gap desc, drifted_tests desc, segment) end as segment_rank
from joined
