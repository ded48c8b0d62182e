{#- The fixed reference's empirical CDF per monitor × role × numeric column: each distinct
    reference value with its count and the running count up to it. Rebuilt only when the
    reference changes; nightly KS statistics look values up in it instead of re-sorting
    the reference (macros/drift/sw_ks_against_ecdf.sql). One branch per series: one sort of
    its reference values gives the count up to each value (the peer count) and below it
    (rank() - 1), kept once per distinct value (its first row). No running sum: DuckDB
    evaluates one with a segment tree, a log factor per row. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'role', 'column_name'])) }}
-- depends_on: {{ ref('window_changes') }}
{%- set columns = shiftwatch.sw_numeric_series(shiftwatch.sw_config()['monitors']) %}
{%- set changed = shiftwatch.sw_reference_changed() %}
{%- if not columns %}
select cast(null as {{ shiftwatch.sw_string() }}) as monitor, cast(null as {{ shiftwatch.sw_string() }}) as role,
  cast(null as {{ shiftwatch.sw_string() }}) as column_name, cast(null as {{ shiftwatch.sw_double() }}) as value,
  cast(null as bigint) as ref_eq, cast(null as bigint) as ref_le, cast(null as bigint) as n_reference
where 1 = 0
{%- endif %}
{%- for series in columns %}
select {{ shiftwatch.sw_literal(series[0]) }} as monitor, {{ shiftwatch.sw_literal(series[1]) }} as role,
  {{ shiftwatch.sw_literal(series[2]) }} as column_name, value, ref_le - ref_lt as ref_eq, ref_le, n_reference
from (
  select value,
    count(*) over (order by value range between unbounded preceding and current row) as ref_le,
    rank() over (order by value) - 1 as ref_lt,
    row_number() over (order by value) - 1 as row_lt,
    count(*) over () as n_reference
  from {{ ref('stg_numeric_values') }} as v
  where {{ shiftwatch.sw_series_rows('v', series) }} and v.value is not null
    and {{ shiftwatch.sw_is_reference_case('v.monitor', 'v.window_start', 'v.window_end') }}
  {%- if not changed %}
    and 1 = 0  -- the reference did not change: keep the ECDF
  {%- endif %}
) as ranked
where row_lt = ref_lt
{{ 'union all' if not loop.last }}
{%- endfor %}
