{#- One row per monitor × column × segment × shift kind × window of the latest run: whether
    it drifted, its strongest test (largest effect / threshold) and the skip reason if no
    test could run. -#}
with scored as (
  select r.*,
    case when r.threshold > 0 then r.effect / r.threshold end as effect_ratio,
    row_number() over (
      partition by r.monitor, r.column_name, r.segment, r.shift_kind, r.window_start
      order by case when r.drifted then 0 else 1 end,
               case when r.threshold > 0 then r.effect / r.threshold end desc nulls last, r.test) as strength_rank
  from {{ ref('latest_results') }} as r
),
flags as (
  select monitor, column_name, segment, shift_kind, window_start,
    max(case when drifted then 1 else 0 end) as drifted_tests,
    count(*) as n_tests,
    sum(case when skipped_reason is not null then 1 else 0 end) as n_skipped
  from scored
  group by monitor, column_name, segment, shift_kind, window_start
)
select s.monitor, s.column_name, s.segment, s.shift_kind, s.window_start, s.window_end, s.run_id,
  f.drifted_tests = 1 as drifted,
  s.test, s.statistic, s.p_value, s.q_value, s.effect, s.threshold, s.effect_ratio,
  case when f.n_skipped = f.n_tests then s.skipped_reason end as skipped_reason,
  dense_rank() over (partition by s.monitor order by s.window_start) as window_number
from scored as s
join flags as f
  on f.monitor = s.monitor and f.column_name = s.column_name and f.segment = s.segment
 and f.shift_kind = s.shift_kind and f.window_start = s.window_start
where s.strength_rank = 1
