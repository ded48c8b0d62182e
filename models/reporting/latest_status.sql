{#- Per monitor × column × segment × shift kind: the state of the latest window. -#}
select t.monitor, t.column_name, t.segment, t.shift_kind, t.window_start, t.window_end,
  case when t.skipped_reason is not null then 'skipped' when t.drifted then 'drifted' else 'ok' end as status,
  t.test, t.statistic, t.effect, t.threshold, t.skipped_reason
from {{ ref('drift_timeline') }} as t
join (select monitor, max(window_start) as window_start from {{ ref('drift_timeline') }} group by monitor) as l
  on l.monitor = t.monitor and l.window_start = t.window_start
