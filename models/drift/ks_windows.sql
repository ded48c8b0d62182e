{#- Exact KS D of every window against its reference, for every numeric feature and score.
    Fixed reference ranges: a full build sorts each series by (window, value) and its
    reference once (sw_ks_windows, leave-one-out for reference windows); a nightly build
    whose reference did not change looks the new windows' values up in reference_ecdf
    (sw_ks_against_ecdf) and gives the same D to the bit. Relative references
    (previous/rolling) are recomputed for every window of their monitor (sw_ks_relative),
    since a changed window changes its successors' reference. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
-- depends_on: {{ ref('window_changes') }}
-- depends_on: {{ ref('reference_ecdf') }}
-- depends_on: {{ ref('window_index') }}
{%- set monitors = shiftwatch.sw_config()['monitors'] -%}
{%- set fixed = monitors | selectattr('reference.kind', 'equalto', 'range') | list -%}
{%- set relative = monitors | rejectattr('reference.kind', 'equalto', 'range') | list -%}
{%- set fixed_names = [] -%}{%- for m in fixed -%}{%- do fixed_names.append(shiftwatch.sw_literal(m['name'])) -%}{%- endfor -%}
{%- set fixed_columns = shiftwatch.sw_numeric_series(fixed) -%}
{%- set values -%}
(select v.monitor, v.role, v.column_name, v.window_start, v.window_end, v.event_ts, v.value,
   {{ shiftwatch.sw_is_reference_case('v.monitor', 'v.window_start', 'v.window_end') }} as is_reference
 from {{ ref('stg_numeric_values') }} as v
 where v.monitor in ({{ fixed_names | join(', ') if fixed_names else "''" }}))
{%- endset %}
{%- set parts = [] -%}
{%- if is_incremental() and not shiftwatch.sw_reference_changed() %}
  {%- set changed -%}
  (select * from {{ values }} as v where not v.is_reference and {{ shiftwatch.sw_changed_window('v', 'event_ts') }})
  {%- endset %}
  {%- do parts.append(shiftwatch.sw_ks_against_ecdf(changed, ref('reference_ecdf'), fixed_columns)) -%}
{%- else %}
  {%- do parts.append(shiftwatch.sw_ks_windows(values, fixed_columns)) -%}
{%- endif %}
{%- for m in relative -%}
  {%- do parts.append(shiftwatch.sw_ks_relative(ref('stg_numeric_values'), m)) -%}
{%- endfor %}
{%- for part in parts %}
select ks.*, '{{ invocation_id }}' as build_id
from ({{ part }}) as ks
{{ 'union all' if not loop.last }}
{%- endfor %}
