{#- sw_ks_against_ecdf(values_relation, ecdf_relation, columns): exact KS D of windows that
    are not part of the reference, against the stored reference ECDF
    (models/drift/reference_ecdf), for every series in `columns`. The same statistic as
    sw_ks_windows, to the bit: at each of a window's own values x, F_w(x) against
    R(x)/n_ref and F_w(x-) against R(x-)/n_ref, where R(x) is the running reference count at
    the largest reference value <= x, and R(x-) drops that value's own count when it equals
    x; the same counts go into the same sw_ks_gap(). One branch per series
    (sw_ks_branches). The portable default unions the ECDF points with the window's values
    and carries the running count forward; DuckDB bounds the gap per run of reference
    values first and looks R up with an ASOF join only where the maximum can be, so the
    reference is never sorted. `values_relation` has the columns sw_ks_windows takes. -#}
{% macro sw_ks_against_ecdf(values_relation, ecdf_relation, columns) %}{{ return(adapter.dispatch('sw_ks_against_ecdf', 'shiftwatch')(values_relation, ecdf_relation, columns)) }}{% endmacro %}

{#- DuckDB: an ASOF lookup, but only where the maximum can be. The reference's distinct
    values are cut into up to `runs` runs by their rank (from the stored counts). Each
    window value is placed in its run (one ASOF join on the runs' smallest values, which
    sorts the window once) and counted per run. Within a run the counts of both samples lie
    between the run's ends, so each run bounds the gap at every window value in it from
    above, and the gap just below the run's smallest value is one that D reaches, a bound
    from below. Only the runs whose upper bound reaches the largest lower bound get their
    values ranked and looked up: a few hundred values and reference points each, instead of
    a sort of the whole reference. The counts are exact and go into the same sw_ks_gap() as
    on every other path, so D is the same double (the margin 1e-12 keeps float rounding in
    the bounds from dropping the run that holds the maximum). -#}
{% macro duckdb__sw_ks_against_ecdf(values_relation, ecdf_relation, columns) %}
{#- 16384 runs: about 140 points each for a reference of 2.3M values; the var is there for
    the tests, which make runs hold many points and ties across their ends. -#}
{%- set runs = var('shiftwatch_ks_lookup_runs', 16384) | int %}
{%- call(series) shiftwatch.sw_ks_branches(columns) %}
  with ecdf as not materialized (
    -- Read twice, for the runs' ends and for the candidate runs' points: never stored.
    select cast(floor(cast(e.ref_le - e.ref_eq as double) * {{ runs }} / e.n_reference) as bigint) as run,
      e.value, e.ref_le, e.ref_eq, e.n_reference
    from {{ ecdf_relation }} as e
    where {{ shiftwatch.sw_series_rows('e', series) }}
  ),
  run_ends as (
    -- Per run: its smallest value, the reference count below it and up to its end.
    select run, min(value) as lo, min(ref_le - ref_eq) as r_below, max(ref_le) as r_through,
      max(n_reference) as n_reference
    from ecdf
    group by run
  ),
  placed as (
    -- Each window value's run (-1: below every reference value, where R = 0).
    select v.window_start, v.value, coalesce(r.run, -1) as run
    from {{ values_relation }} as v
    asof left join run_ends as r on v.value >= r.lo
    where {{ shiftwatch.sw_series_rows('v', series) }} and v.value is not null
  ),
  run_counts as (
    select window_start, run, w_in,
      sum(w_in) over (partition by window_start order by run rows between unbounded preceding and current row) - w_in as w_below,
      sum(w_in) over (partition by window_start) as n_current
    from (select window_start, run, count(*) as w_in from placed group by window_start, run) as counted
  ),
  bounds as (
    select c.window_start, c.run, c.w_below, c.n_current, e.n_reference,
      abs(cast(c.w_below as double) / c.n_current - cast(coalesce(r.r_below, 0) as double) / e.n_reference) as reached,
      greatest(cast(c.w_below + c.w_in as double) / c.n_current - cast(coalesce(r.r_below, 0) as double) / e.n_reference,
               cast(coalesce(r.r_through, 0) as double) / e.n_reference - cast(c.w_below as double) / c.n_current) as bound
    from run_counts as c
    left join run_ends as r on r.run = c.run
    cross join (select max(n_reference) as n_reference from run_ends) as e
  ),
  candidates as (
    select window_start, run, w_below, n_current, n_reference
    from (select *, max(reached) over (partition by window_start) as lower_bound from bounds) as b
    where coalesce(bound >= lower_bound - 1e-12, true)
  ),
  window_counts as (
    select p.window_start, p.value, k.n_current, k.n_reference,
      k.w_below + rank() over (partition by p.window_start, p.run order by p.value) - 1 as win_lt,
      k.w_below + count(*) over (partition by p.window_start, p.run order by p.value
                                 range between unbounded preceding and current row) as win_le
    from placed as p
    join candidates as k on k.window_start = p.window_start and k.run = p.run
  ),
  looked_up as (
    select c.window_start, c.n_current, c.win_le, c.win_lt,
      coalesce(e.ref_le, 0) as r_le,
      coalesce(e.ref_le, 0) - case when e.value = c.value then e.ref_eq else 0 end as r_lt,
      c.n_reference
    from window_counts as c
    asof left join (select * from ecdf semi join (select distinct run from candidates) as k on k.run = ecdf.run) as e
      on c.value >= e.value
  )
  select window_start, false as is_reference,
    cast(max(n_current) as bigint) as n_current,
    cast(coalesce(max(n_reference), 0) as bigint) as n_reference,
    {{ shiftwatch.sw_ks_gap() }} as statistic
  from looked_up
  group by window_start
{%- endcall %}
{% endmacro %}

{% macro default__sw_ks_against_ecdf(values_relation, ecdf_relation, columns) %}
{%- call(series) shiftwatch.sw_ks_branches(columns) %}
  with window_counts as (
    select window_start, value,
      rank() over (partition by window_start order by value) - 1 as win_lt,
      count(*) over (partition by window_start order by value range between unbounded preceding and current row) as win_le,
      count(*) over (partition by window_start) as n_current
    from {{ values_relation }} as ks_input
    where {{ shiftwatch.sw_series_rows('ks_input', series) }} and value is not null
  ),
  ecdf as (
    select e.value, e.ref_le, e.ref_eq, e.n_reference
    from {{ ecdf_relation }} as e
    where {{ shiftwatch.sw_series_rows('e', series) }}
  ),
  points as (
    -- ECDF points sort before window values at the same x, so the running maximum at a
    -- window value includes the reference value equal to it.
    select value, 0 as kind, ref_le, ref_eq, cast(null as {{ shiftwatch.sw_timestamp() }}) as window_start
    from ecdf
    union all
    select distinct value, 1 as kind, cast(null as bigint) as ref_le, cast(null as bigint) as ref_eq, window_start
    from window_counts
  ),
  carried as (
    select points.*,
      max(ref_le) over (order by value, kind rows between unbounded preceding and current row) as r_le_at,
      max(case when kind = 0 then ref_eq end) over (partition by value) as eq_at_value
    from points
  ),
  looked_up as (
    select c.window_start, c.n_current, c.win_le, c.win_lt,
      coalesce(k.r_le_at, 0) as r_le,
      coalesce(k.r_le_at, 0) - coalesce(k.eq_at_value, 0) as r_lt,
      (select max(n_reference) from ecdf) as n_reference
    from window_counts as c
    join carried as k on k.kind = 1 and k.window_start = c.window_start and k.value = c.value
  )
  select window_start, false as is_reference,
    cast(max(n_current) as bigint) as n_current,
    cast(coalesce(max(n_reference), 0) as bigint) as n_reference,
    {{ shiftwatch.sw_ks_gap() }} as statistic
  from looked_up
  group by window_start
{%- endcall %}
{% endmacro %}
