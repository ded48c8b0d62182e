{#- sw_ks_windows(values_relation): exact two-sample KS statistic D of every window against the fixed reference, for every
    numeric column (features and scores), with ties handled as scipy.stats.ks_2samp does.

    One sort per column serves every window: over the global order by value, running
    counts give F_ref(x) and F_ref(x-) at each of a window's own values, and a running
    count within the window gives F_w(x) and F_w(x-). The supremum of |F_w - F_ref| is
    attained at a window's own values, comparing F_w(x) with F_ref(x) and F_w(x-) with
    F_ref(x-) (docs/statistics.md). A reference window is compared leave-one-out with the
    rest of the reference: its own counts are subtracted from the reference's. 
    `values_relation` (a relation or a parenthesised query) has monitor, role, column_name, window_start, window_end,
    is_reference and value (NaN already null). Portable SQL (window sums in RANGE mode,
    no engine-specific functions); dispatched so an engine can override it. -#}
{% macro sw_ks_windows(values_relation) %}{{ return(adapter.dispatch('sw_ks_windows', 'shiftwatch')(values_relation)) }}{% endmacro %}

{% macro default__sw_ks_windows(values_relation) %}
with ks_values as (
  select monitor, role, column_name, window_start, window_end, value, is_reference
  from {{ values_relation }} as ks_input
  where value is not null
),
counted as (
  select
    monitor, role, column_name, window_start, window_end, is_reference, value,
    cast(sum(case when is_reference then 1 else 0 end) over (
      partition by monitor, role, column_name order by value
      range between unbounded preceding and current row) as bigint) as ref_le,
    cast(sum(case when is_reference then 1 else 0 end) over (
      partition by monitor, role, column_name, value) as bigint) as ref_eq,
    count(*) over (
      partition by monitor, role, column_name, window_start order by value
      range between unbounded preceding and current row) as win_le,
    count(*) over (partition by monitor, role, column_name, window_start, value) as win_eq,
    count(*) over (partition by monitor, role, column_name, window_start) as n_current,
    cast(sum(case when is_reference then 1 else 0 end) over (partition by monitor, role, column_name) as bigint) as n_ref_all
  from ks_values
),
against as (
  -- The reference each window is compared with: all of it, or the rest of it (leave-one-out).
  select
    monitor, role, column_name, window_start, window_end, is_reference, n_current,
    cast(win_le as {{ shiftwatch.sw_double() }}) / n_current as f_cur_le,
    cast(win_le - win_eq as {{ shiftwatch.sw_double() }}) / n_current as f_cur_lt,
    case when is_reference then ref_le - win_le else ref_le end as r_le,
    case when is_reference then (ref_le - ref_eq) - (win_le - win_eq) else ref_le - ref_eq end as r_lt,
    case when is_reference then n_ref_all - n_current else n_ref_all end as n_reference
  from counted
)
select
  monitor, role, column_name, window_start, window_end, is_reference,
  cast(max(n_current) as bigint) as n_current,
  cast(max(n_reference) as bigint) as n_reference,
  case when max(n_reference) > 0 then max(greatest(
    abs(f_cur_le - cast(r_le as {{ shiftwatch.sw_double() }}) / nullif(n_reference, 0)),
    abs(f_cur_lt - cast(r_lt as {{ shiftwatch.sw_double() }}) / nullif(n_reference, 0))
  )) end as statistic
from against
group by monitor, role, column_name, window_start, window_end, is_reference
{% endmacro %}
