{#- Row windows ({rows: N}): rows numbered by (timestamp, id) from the first row of the
    relation, in blocks of N. A block is labelled by its first row's timestamp; it ends
    where the next block starts (the last block one second after its last row), so windows
    stay half-open. Monitors with calendar windows have no rows here. -#}
{{ config(materialized='table') }}
{%- set monitors = shiftwatch.sw_config()['monitors'] | selectattr('window.rows') | list %}
{%- if monitors %}
with numbered as (
  {%- for m in monitors %}
  select {{ shiftwatch.sw_literal(m['name']) }} as monitor,
    cast(f.{{ shiftwatch.sw_quote(m['id']) }} as {{ shiftwatch.sw_string() }}) as row_id,
    cast(f.{{ shiftwatch.sw_quote(m['timestamp']) }} as {{ shiftwatch.sw_timestamp() }}) as event_ts,
    floor((row_number() over (order by f.{{ shiftwatch.sw_quote(m['timestamp']) }}, f.{{ shiftwatch.sw_quote(m['id']) }}) - 1)
          / {{ m['window']['rows'] }}) as block
  from {{ shiftwatch.sw_relation(m['relation']) }} as f
  {{ 'union all' if not loop.last }}
  {%- endfor %}
),
blocks as (
  select monitor, block, min(event_ts) as window_start, max(event_ts) as last_ts
  from numbered
  group by monitor, block
),
bounded as (
  select monitor, block, window_start,
    coalesce(lead(window_start) over (partition by monitor order by block),
             {{ shiftwatch.sw_dateadd('second', 1, 'last_ts') }}) as window_end
  from blocks
)
select n.monitor, n.row_id, b.window_start, b.window_end
from numbered as n
join bounded as b on b.monitor = n.monitor and b.block = n.block
{%- else %}
select cast(null as {{ shiftwatch.sw_string() }}) as monitor, cast(null as {{ shiftwatch.sw_string() }}) as row_id,
  cast(null as {{ shiftwatch.sw_timestamp() }}) as window_start, cast(null as {{ shiftwatch.sw_timestamp() }}) as window_end
where 1 = 0
{%- endif %}
