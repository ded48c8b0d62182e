{#- The fixed reference's empirical CDF per monitor × role × numeric column: each distinct
    reference value with its count and the running count up to it. Rebuilt only when the
    reference changes; nightly KS statistics look values up in it instead of re-sorting
    the reference (macros/drift/sw_ks_against_ecdf.sql). -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'role', 'column_name'])) }}
-- depends_on: {{ ref('window_changes') }}
with counts as (
  select monitor, role, column_name, value, count(*) as ref_eq
  from {{ ref('stg_numeric_values') }}
  where value is not null
    and {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }}
  {%- if not shiftwatch.sw_reference_changed() %}
    and 1 = 0  -- the reference did not change: keep the ECDF
  {%- endif %}
  group by monitor, role, column_name, value
)
select monitor, role, column_name, value, ref_eq,
  cast(sum(ref_eq) over (partition by monitor, role, column_name order by value
                         rows between unbounded preceding and current row) as bigint) as ref_le,
  cast(sum(ref_eq) over (partition by monitor, role, column_name) as bigint) as n_reference
from counts
