{#- Alert episodes: runs of consecutive drifted windows per monitor × column × segment ×
    shift kind (gaps and islands over drift_timeline). An episode becomes an alert once it
    spans `persist` windows. It stays open until the column has been normal for `persist`
    windows after it. Severity: critical when the strongest effect reaches twice its
    threshold or the episode lasts 3 windows or more; warning otherwise. -#}
with timeline as (
  select t.*,
    t.window_number - row_number() over (
      partition by t.monitor, t.column_name, t.segment, t.shift_kind, t.drifted order by t.window_start) as island
  from {{ ref('drift_timeline') }} as t
),
episodes as (
  select monitor, column_name, segment, shift_kind, island,
    min(window_start) as first_seen,
    max(window_start) as last_seen,
    max(window_number) as last_window_number,
    count(*) as windows_in_a_row,
    max(effect_ratio) as peak_effect_ratio
  from timeline
  where drifted
  group by monitor, column_name, segment, shift_kind, island
),
latest_window as (
  select monitor, max(window_number) as window_number from {{ ref('drift_timeline') }} group by monitor
),
strongest as (
  select t.monitor, t.column_name, t.segment, t.shift_kind, t.island, t.test, t.statistic, t.effect, t.threshold,
    row_number() over (partition by t.monitor, t.column_name, t.segment, t.shift_kind, t.island
                       order by t.effect_ratio desc nulls last, t.window_start desc) as rn
  from timeline as t
  where t.drifted
)
select e.monitor, e.column_name, e.segment, e.shift_kind, s.test,
  case when e.peak_effect_ratio >= 2 or e.windows_in_a_row >= 3 then 'critical' else 'warning' end as severity,
  case when lw.window_number - e.last_window_number < {{ shiftwatch.sw_monitor_setting_case('e.monitor', 'persist', 1) }}
       then 'open' else 'closed' end as status,
  e.first_seen, e.last_seen, e.windows_in_a_row,
  s.statistic, s.effect, s.threshold
from episodes as e
join strongest as s
  on s.monitor = e.monitor and s.column_name = e.column_name and s.segment = e.segment
 and s.shift_kind = e.shift_kind and s.island = e.island and s.rn = 1
join latest_window as lw on lw.monitor = e.monitor
where e.windows_in_a_row >= {{ shiftwatch.sw_monitor_setting_case('e.monitor', 'persist', 1) }}
