{#- sw_ks_relative(values_relation, monitor): exact KS D of each window of one monitor
    whose reference is relative: the window k steps back (`previous: k`) or the k windows
    before it (`rolling: k`). Each row is tagged with the windows it is reference for (a
    Jinja-generated list of offsets, no generate_series), so each target window's partition
    holds its own values and its reference's. Two sorts per target then give every count,
    from rank() and peer counts: by value over the whole partition, and by value within each
    side; the reference's counts are the partition's less the window's. D is sw_ks_gap(), as
    for a fixed reference. One branch per numeric series of the monitor (sw_ks_branches). Windows with no
    earlier windows get n_reference 0 and a NULL statistic. Cost grows with k (each row is
    read k + 1 times). -#}
{% macro sw_ks_relative(values_relation, monitor) %}{{ return(adapter.dispatch('sw_ks_relative', 'shiftwatch')(values_relation, monitor)) }}{% endmacro %}

{% macro default__sw_ks_relative(values_relation, monitor) %}
{%- set k = monitor['reference']['windows'] -%}
{%- set offsets = [k] if monitor['reference']['kind'] == 'previous' else range(1, k + 1) | list -%}
{%- call(series) shiftwatch.sw_ks_branches(shiftwatch.sw_numeric_series([monitor])) %}
  with numbered as (
    select window_start, row_number() over (order by window_start) as window_number
    from {{ ref('window_index') }}
    where monitor = {{ shiftwatch.sw_literal(series[0]) }}
  ),
  rel_values as (
    select ks_input.value, n.window_number
    from {{ values_relation }} as ks_input
    join numbered as n on n.window_start = ks_input.window_start
    where {{ shiftwatch.sw_series_rows('ks_input', series) }} and ks_input.value is not null
  ),
  offsets as (
    {%- for o in offsets %}
    select {{ o }} as step {{ 'union all' if not loop.last }}
    {%- endfor %}
  ),
  tagged as (
    select window_number as target, value, 0 as is_ref from rel_values
    union all
    select v.window_number + o.step as target, v.value, 1 as is_ref
    from rel_values as v cross join offsets as o
  ),
  counted as (
    select target, is_ref,
      rank() over (partition by target order by value) - 1 as pooled_lt,
      count(*) over (partition by target order by value
                     range between unbounded preceding and current row) as pooled_le,
      count(*) over (partition by target) as n_pooled,
      rank() over (partition by target, is_ref order by value) - 1 as win_lt,
      count(*) over (partition by target, is_ref order by value
                     range between unbounded preceding and current row) as win_le,
      count(*) over (partition by target, is_ref) as n_current
    from tagged
  ),
  against as (
    select target, n_current, win_le, win_lt,
      pooled_le - win_le as r_le,
      pooled_lt - win_lt as r_lt,
      n_pooled - n_current as n_reference
    from counted
    where is_ref = 0
  )
  select n.window_start, false as is_reference,
    cast(max(a.n_current) as bigint) as n_current,
    cast(max(a.n_reference) as bigint) as n_reference,
    {{ shiftwatch.sw_ks_gap() }} as statistic
  from against as a
  join numbered as n on n.window_number = a.target
  group by n.window_start
{%- endcall %}
{% endmacro %}
