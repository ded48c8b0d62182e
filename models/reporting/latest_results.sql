{#- drift_results of the latest successful run that ran the drift tests. -#}
with latest as (
  select run_id from {{ source('shiftwatch_results', 'runs') }}
  where status = 'success'
    and run_id in (select run_id from {{ source('shiftwatch_results', 'drift_results') }})
  order by started_at desc, run_id desc
  limit 1
)
select d.*
from {{ source('shiftwatch_results', 'drift_results') }} as d
join latest as l on d.run_id = l.run_id
