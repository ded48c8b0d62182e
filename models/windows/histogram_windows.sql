{#- Histogram counts per monitor × role × numeric column × window on the reference-fixed
    bin edges of reference_bin_edges. Bin b holds values in (e_b, e_{b+1}]. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
-- depends_on: {{ ref('window_changes') }}
with binned as (
  select
    v.monitor, v.role, v.column_name, v.window_start, v.window_end,
    0 {%- for q in range(1, 10) %} + case when v.value > e.e{{ q }} then 1 else 0 end{% endfor %} as bin
  from {{ ref('stg_numeric_values') }} as v
  join {{ ref('reference_bin_edges') }} as e
    on v.monitor = e.monitor and v.role = e.role and v.column_name = e.column_name
  where v.value is not null and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
),
counts as (
  select monitor, role, column_name, window_start, window_end, bin, count(*) as n
  from binned
  group by monitor, role, column_name, window_start, window_end, bin
)
select
  c.monitor, c.role, c.column_name, c.window_start, c.window_end,
  {{ shiftwatch.sw_is_reference_case('c.monitor', 'c.window_start', 'c.window_end') }} as is_reference,
  c.bin,
  case c.bin {%- for q in range(1, 10) %} when {{ q }} then e.e{{ q }}{% endfor %} end as lower_edge,
  case c.bin {%- for q in range(0, 9) %} when {{ q }} then e.e{{ q + 1 }}{% endfor %} end as upper_edge,
  c.n,
  cast(c.n as {{ shiftwatch.sw_double() }}) / sum(c.n) over (
    partition by c.monitor, c.role, c.column_name, c.window_start) as share,
  '{{ invocation_id }}' as build_id
from counts as c
join {{ ref('reference_bin_edges') }} as e
  on c.monitor = e.monitor and c.role = e.role and c.column_name = e.column_name
