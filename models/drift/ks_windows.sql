{#- Exact KS D of every window against the fixed reference (leave-one-out for reference
    windows), for every numeric feature and score. A full build sorts each column once
    (macros/drift/sw_ks_windows.sql); a nightly build, whose reference did not change,
    looks the new windows' values up in reference_ecdf (macros/drift/sw_ks_against_ecdf.sql)
    and gives the same D to the bit. -#}
{{ config(materialized='incremental', unique_key=['monitor', 'window_start'], incremental_strategy='delete+insert') }}
-- depends_on: {{ ref('window_changes') }}
-- depends_on: {{ ref('reference_ecdf') }}
{%- set values -%}
(select v.monitor, v.role, v.column_name, v.window_start, v.window_end, v.event_ts, v.value,
   {{ shiftwatch.sw_is_reference_case('v.monitor', 'v.window_start', 'v.window_end') }} as is_reference
 from {{ ref('stg_numeric_values') }} as v)
{%- endset %}
{%- if is_incremental() and not shiftwatch.sw_reference_changed() %}
{%- set changed -%}
(select * from {{ values }} as v where not v.is_reference and {{ shiftwatch.sw_changed_window('v', 'event_ts') }})
{%- endset %}
select ks.*, '{{ invocation_id }}' as build_id
from ({{ shiftwatch.sw_ks_against_ecdf(changed, ref('reference_ecdf')) }}) as ks
{%- else %}
select ks.*, '{{ invocation_id }}' as build_id
from ({{ shiftwatch.sw_ks_windows(values) }}) as ks
{%- endif %}
