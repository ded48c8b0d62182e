{#- sw_ks_windows(values_relation, columns): exact two-sample KS statistic D of every window
    against the fixed reference, for every numeric series in `columns` ((monitor, role,
    column) triples, see sw_numeric_series), with ties handled as scipy.stats.ks_2samp does.

    The supremum of |F_w - F_ref| is attained at a window's own values x, comparing F_w(x)
    with F_ref(x) and F_w(x-) with F_ref(x-) (docs/statistics.md). So each value needs four
    counts: the window's values <= x and < x, which one sort by (window, value) gives for
    every window at once (the peer count and rank()), and the reference's, which come from
    one order of the series by value in which the reference is counted. A reference window
    is compared leave-one-out with the rest of the reference: its own counts are subtracted
    from the reference's. D is then sw_ks_gap() per window.

    One branch per series (sw_ks_branches). `values_relation` (a relation or a parenthesised
    query) has monitor, role, column_name, window_start, is_reference and value (NaN already
    null). Dispatched: the portable default uses window functions only; DuckDB has its own
    plan (below). -#}
{% macro sw_ks_windows(values_relation, columns) %}{{ return(adapter.dispatch('sw_ks_windows', 'shiftwatch')(values_relation, columns)) }}{% endmacro %}

{#- Portable: two sorts per series. Ordering by (value, reference first) makes the running
    reference count at any row the reference's count <= x; the size of the row's peer group,
    and its rank against the order by value alone, give the reference's count at x itself. -#}
{% macro default__sw_ks_windows(values_relation, columns) %}
{%- call(series) shiftwatch.sw_ks_branches(columns) %}
  with ks_values as (
    select window_start, value, case when is_reference then 1 else 0 end as in_reference
    from {{ values_relation }} as ks_input
    where {{ shiftwatch.sw_series_rows('ks_input', series) }} and value is not null
  ),
  pooled as (
    select ks_values.*,
      sum(in_reference) over (order by value, in_reference desc
                              range between unbounded preceding and current row) as ref_le,
      count(*) over (order by value, in_reference desc
                     range between unbounded preceding and current row) as group_end,
      rank() over (order by value, in_reference desc) as group_rank,
      rank() over (order by value) as value_rank,
      sum(in_reference) over () as n_ref_all
    from ks_values
  ),
  counted as (
    select window_start, in_reference, ref_le, n_ref_all,
      -- the reference's count at x: a reference row's own peer group, or the reference
      -- group just before a window row's (reference rows sort first among equal values)
      ref_le - case when in_reference = 1 then group_end - group_rank + 1 else group_rank - value_rank end as ref_lt,
      rank() over (partition by window_start order by value) - 1 as win_lt,
      count(*) over (partition by window_start order by value
                     range between unbounded preceding and current row) as win_le,
      count(*) over (partition by window_start) as n_current
    from pooled
  ),
  against as (
    select window_start, in_reference, n_current, win_le, win_lt,
      case when in_reference = 1 then ref_le - win_le else ref_le end as r_le,
      case when in_reference = 1 then ref_lt - win_lt else ref_lt end as r_lt,
      case when in_reference = 1 then n_ref_all - n_current else n_ref_all end as n_reference
    from counted
  )
  select window_start, in_reference = 1 as is_reference,
    cast(max(n_current) as bigint) as n_current,
    cast(max(n_reference) as bigint) as n_reference,
    {{ shiftwatch.sw_ks_gap() }} as statistic
  from against
  group by window_start, in_reference
{%- endcall %}
{% endmacro %}

{#- DuckDB evaluates a running sum with a segment tree (a log factor per row), while rank(),
    cume_dist() and the partition count come with the sort. So it sorts the reference's
    values once for their ECDF, looks every other window value up in it with an ASOF join,
    and sorts once by (window, value). F_w(x) is cume_dist(), the same double as
    win_le / n_current; a reference window's integer win_le is recovered from it exactly
    (round(cume_dist * n), exact far beyond any window size). -#}
{% macro duckdb__sw_ks_windows(values_relation, columns) %}
{%- call(series) shiftwatch.sw_ks_branches(columns) %}
  with ks_values as not materialized (
    select window_start, value, is_reference
    from {{ values_relation }} as ks_input
    where {{ shiftwatch.sw_series_rows('ks_input', series) }} and value is not null
  ),
  reference_ecdf as (
    select window_start, value,
      count(*) over (order by value range between unbounded preceding and current row) as ref_le,
      rank() over (order by value) - 1 as ref_lt
    from ks_values
    where is_reference
  ),
  with_reference as (
    -- other windows' values: the reference count at the largest reference value <= x,
    -- less that value's own count when it equals x
    select c.window_start, c.value, false as is_reference,
      coalesce(e.ref_le, 0) as ref_le,
      coalesce(e.ref_le, 0) - case when e.value = c.value then e.ref_le - e.ref_lt else 0 end as ref_lt
    from (select window_start, value from ks_values where not is_reference) as c
    asof left join reference_ecdf as e on c.value >= e.value
    union all
    select window_start, value, true as is_reference, ref_le, ref_lt
    from reference_ecdf
  ),
  counted as (
    select window_start, is_reference, ref_le, ref_lt,
      rank() over (partition by window_start order by value) - 1 as win_lt,
      cume_dist() over (partition by window_start order by value) as f_le,
      count(*) over (partition by window_start) as n_current
    from with_reference
  ),
  against as (
    select c.window_start, c.is_reference, c.n_current, c.f_le, c.win_lt,
      case when c.is_reference then c.ref_le - cast(round(c.f_le * c.n_current) as bigint) else c.ref_le end as r_le,
      case when c.is_reference then c.ref_lt - c.win_lt else c.ref_lt end as r_lt,
      coalesce(t.n_ref_all, 0) - case when c.is_reference then c.n_current else 0 end as n_reference
    from counted as c
    cross join (select max(ref_le) as n_ref_all from reference_ecdf) as t
  )
  select window_start, is_reference,
    cast(max(n_current) as bigint) as n_current,
    cast(max(n_reference) as bigint) as n_reference,
    {{ shiftwatch.sw_ks_gap('f_le') }} as statistic
  from against
  group by window_start, is_reference
{%- endcall %}
{% endmacro %}
