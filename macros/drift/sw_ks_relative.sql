{#- sw_ks_relative(values_relation, monitor): exact KS D of each window of one monitor
    whose reference is relative: the window k steps back (`previous: k`) or the k windows
    before it (`rolling: k`). Each row is tagged with the windows it is reference for (a
    Jinja-generated list of offsets, no generate_series), then the same running counts as
    sw_ks_windows run per target window. Windows with no earlier windows get n_reference 0
    and a NULL statistic. Cost grows with k (each row is read k + 1 times). -#}
{% macro sw_ks_relative(values_relation, monitor) %}{{ return(adapter.dispatch('sw_ks_relative', 'shiftwatch')(values_relation, monitor)) }}{% endmacro %}

{% macro default__sw_ks_relative(values_relation, monitor) %}
{%- set k = monitor['reference']['windows'] -%}
{%- set offsets = [k] if monitor['reference']['kind'] == 'previous' else range(1, k + 1) | list -%}
with numbered as (
  select window_start, window_end, row_number() over (order by window_start) as window_number
  from {{ ref('window_index') }}
  where monitor = {{ shiftwatch.sw_literal(monitor['name']) }}
),
rel_values as (
  select ks_input.monitor, ks_input.role, ks_input.column_name, ks_input.value, n.window_number
  from {{ values_relation }} as ks_input
  join numbered as n on n.window_start = ks_input.window_start
  where ks_input.monitor = {{ shiftwatch.sw_literal(monitor['name']) }} and ks_input.value is not null
),
offsets as (
  {%- for o in offsets %}
  select {{ o }} as step {{ 'union all' if not loop.last }}
  {%- endfor %}
),
tagged as (
  select monitor, role, column_name, window_number as target, value, 0 as is_ref from rel_values
  union all
  select v.monitor, v.role, v.column_name, v.window_number + o.step as target, v.value, 1 as is_ref
  from rel_values as v cross join offsets as o
),
counted as (
  select monitor, role, column_name, target, value, is_ref,
    cast(sum(is_ref) over (partition by monitor, role, column_name, target order by value
                           range between unbounded preceding and current row) as bigint) as ref_le,
    cast(sum(is_ref) over (partition by monitor, role, column_name, target, value) as bigint) as ref_eq,
    cast(sum(1 - is_ref) over (partition by monitor, role, column_name, target order by value
                               range between unbounded preceding and current row) as bigint) as win_le,
    cast(sum(1 - is_ref) over (partition by monitor, role, column_name, target, value) as bigint) as win_eq,
    cast(sum(1 - is_ref) over (partition by monitor, role, column_name, target) as bigint) as n_current,
    cast(sum(is_ref) over (partition by monitor, role, column_name, target) as bigint) as n_reference
  from tagged
)
select c.monitor, c.role, c.column_name, n.window_start, n.window_end, false as is_reference,
  cast(max(c.n_current) as bigint) as n_current,
  cast(max(c.n_reference) as bigint) as n_reference,
  case when max(c.n_reference) > 0 then max(greatest(
    abs(cast(c.win_le as {{ shiftwatch.sw_double() }}) / c.n_current - cast(c.ref_le as {{ shiftwatch.sw_double() }}) / nullif(c.n_reference, 0)),
    abs(cast(c.win_le - c.win_eq as {{ shiftwatch.sw_double() }}) / c.n_current
        - cast(c.ref_le - c.ref_eq as {{ shiftwatch.sw_double() }}) / nullif(c.n_reference, 0))
  )) end as statistic
from counted as c
join numbered as n on n.window_number = c.target
where c.is_ref = 0
group by c.monitor, c.role, c.column_name, n.window_start, n.window_end
{% endmacro %}
