{#- sw_ks_against_ecdf(values_relation, ecdf_relation): exact KS D of windows that are not
    part of the reference, against the stored reference ECDF (models/drift/reference_ecdf).
    The same statistic as sw_ks_windows, to the bit: at each of a window's own values x,
    F_w(x) against R(x)/n_ref and F_w(x-) against R(x-)/n_ref, where R(x) is the running
    reference count at the largest reference value <= x, and R(x-) drops that value's own
    count when it equals x. Only the window's rows are sorted, never the reference.
    DuckDB looks R up with an ASOF join; the portable default unions the ECDF points with
    the window's values and carries the running count forward. -#}
{% macro sw_ks_against_ecdf(values_relation, ecdf_relation) %}{{ return(adapter.dispatch('sw_ks_against_ecdf', 'shiftwatch')(values_relation, ecdf_relation)) }}{% endmacro %}

{% macro sw_ks_window_counts(values_relation) %}
window_values as (
  select monitor, role, column_name, window_start, window_end, value, count(*) as win_eq
  from {{ values_relation }} as ks_input
  where value is not null
  group by monitor, role, column_name, window_start, window_end, value
),
window_counts as (
  select w.*,
    cast(sum(win_eq) over (partition by monitor, role, column_name, window_start order by value
                           rows between unbounded preceding and current row) as bigint) as win_le,
    cast(sum(win_eq) over (partition by monitor, role, column_name, window_start) as bigint) as n_current
  from window_values as w
)
{% endmacro %}

{% macro sw_ks_from_lookup(looked_up) %}
select monitor, role, column_name, window_start, window_end, false as is_reference,
  cast(max(n_current) as bigint) as n_current,
  cast(coalesce(max(n_reference), 0) as bigint) as n_reference,
  case when max(n_reference) > 0 then max(greatest(
    abs(cast(win_le as {{ shiftwatch.sw_double() }}) / n_current - cast(r_le as {{ shiftwatch.sw_double() }}) / n_reference),
    abs(cast(win_le - win_eq as {{ shiftwatch.sw_double() }}) / n_current - cast(r_lt as {{ shiftwatch.sw_double() }}) / n_reference)
  )) end as statistic
from {{ looked_up }}
group by monitor, role, column_name, window_start, window_end
{% endmacro %}

{% macro duckdb__sw_ks_against_ecdf(values_relation, ecdf_relation) %}
with {{ shiftwatch.sw_ks_window_counts(values_relation) }},
totals as (
  select distinct monitor, role, column_name, n_reference from {{ ecdf_relation }}
),
looked_up as (
  select c.*, t.n_reference,
    coalesce(e.ref_le, 0) as r_le,
    coalesce(e.ref_le, 0) - case when e.value = c.value then e.ref_eq else 0 end as r_lt
  from window_counts as c
  asof left join {{ ecdf_relation }} as e
    on e.monitor = c.monitor and e.role = c.role and e.column_name = c.column_name and c.value >= e.value
  left join totals as t on t.monitor = c.monitor and t.role = c.role and t.column_name = c.column_name
)
{{ shiftwatch.sw_ks_from_lookup('looked_up') }}
{% endmacro %}

{% macro default__sw_ks_against_ecdf(values_relation, ecdf_relation) %}
with {{ shiftwatch.sw_ks_window_counts(values_relation) }},
points as (
  -- ECDF points sort before window values at the same x, so the running maximum at a
  -- window value includes the reference value equal to it.
  select monitor, role, column_name, value, 0 as kind, ref_le, ref_eq, cast(null as {{ shiftwatch.sw_timestamp() }}) as window_start
  from {{ ecdf_relation }}
  union all
  select monitor, role, column_name, value, 1 as kind, cast(null as bigint) as ref_le, cast(null as bigint) as ref_eq, window_start
  from window_counts
),
carried as (
  select p.*,
    max(ref_le) over (partition by monitor, role, column_name order by value, kind
                      rows between unbounded preceding and current row) as r_le_at,
    max(case when kind = 0 then ref_eq end) over (partition by monitor, role, column_name, value) as eq_at_value
  from points as p
),
looked_up as (
  select c.*, t.n_reference, coalesce(k.r_le_at, 0) as r_le, coalesce(k.r_le_at, 0) - coalesce(k.eq_at_value, 0) as r_lt
  from window_counts as c
  join carried as k on k.kind = 1 and k.monitor = c.monitor and k.role = c.role and k.column_name = c.column_name
                   and k.window_start = c.window_start and k.value = c.value
  left join (select distinct monitor, role, column_name, n_reference from {{ ecdf_relation }}) as t
    on t.monitor = c.monitor and t.role = c.role and t.column_name = c.column_name
)
{{ shiftwatch.sw_ks_from_lookup('looked_up') }}
{% endmacro %}
