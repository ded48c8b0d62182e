{#- sw_ks_against_ecdf(values_relation, ecdf_relation, columns): exact KS D of windows that
    are not part of the reference, against the stored reference ECDF
    (models/drift/reference_ecdf), for every series in `columns`. The same statistic as
    sw_ks_windows, to the bit: at each of a window's own values x, F_w(x) against
    R(x)/n_ref and F_w(x-) against R(x-)/n_ref, where R(x) is the running reference count at
    the largest reference value <= x, and R(x-) drops that value's own count when it equals
    x; the same counts go into the same sw_ks_gap(). Only the window's rows are sorted,
    never the reference. One branch per series (sw_ks_branches). DuckDB looks R up with
    an ASOF join; the portable default unions the ECDF points with the window's values and
    carries the running count forward. `values_relation` has the columns sw_ks_windows
    takes. -#}
{% macro sw_ks_against_ecdf(values_relation, ecdf_relation, columns) %}{{ return(adapter.dispatch('sw_ks_against_ecdf', 'shiftwatch')(values_relation, ecdf_relation, columns)) }}{% endmacro %}

{#- The two inputs of a lookup, for one series: the changed windows' values with their counts
    within the window (`f_window` adds F_w(x) as f_le, or its count as win_le), and the
    series' stored ECDF points. -#}
{% macro sw_ks_lookup_inputs(values_relation, ecdf_relation, series, f_window) %}
  window_counts as (
    select window_start, value,
      rank() over (partition by window_start order by value) - 1 as win_lt,
      {{ f_window }},
      count(*) over (partition by window_start) as n_current
    from {{ values_relation }} as ks_input
    where {{ shiftwatch.sw_series_rows('ks_input', series) }} and value is not null
  ),
  ecdf as (
    select e.value, e.ref_le, e.ref_eq, e.n_reference
    from {{ ecdf_relation }} as e
    where {{ shiftwatch.sw_series_rows('e', series) }}
  )
{%- endmacro %}

{% macro duckdb__sw_ks_against_ecdf(values_relation, ecdf_relation, columns) %}
{%- call(series) shiftwatch.sw_ks_branches(columns) %}
  with {{ shiftwatch.sw_ks_lookup_inputs(values_relation, ecdf_relation, series,
          'cume_dist() over (partition by window_start order by value) as f_le') }},
  looked_up as (
    select c.window_start, c.n_current, c.f_le, c.win_lt,
      coalesce(e.ref_le, 0) as r_le,
      coalesce(e.ref_le, 0) - case when e.value = c.value then e.ref_eq else 0 end as r_lt,
      (select max(n_reference) from ecdf) as n_reference
    from window_counts as c
    asof left join ecdf as e on c.value >= e.value
  )
  select window_start, false as is_reference,
    cast(max(n_current) as bigint) as n_current,
    cast(coalesce(max(n_reference), 0) as bigint) as n_reference,
    {{ shiftwatch.sw_ks_gap('f_le') }} as statistic
  from looked_up
  group by window_start
{%- endcall %}
{% endmacro %}

{% macro default__sw_ks_against_ecdf(values_relation, ecdf_relation, columns) %}
{%- call(series) shiftwatch.sw_ks_branches(columns) %}
  with {{ shiftwatch.sw_ks_lookup_inputs(values_relation, ecdf_relation, series,
          'count(*) over (partition by window_start order by value range between unbounded preceding and current row) as win_le') }},
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
