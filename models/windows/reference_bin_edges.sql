{#- Histogram bin edges per monitor × role × numeric column, fixed from the reference's
    deciles (for a relative reference: from the monitor's first 7 windows). Bins are
    right-closed: (-inf, e1], (e1, e2], ..., (e9, inf). -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'role', 'column_name'])) }}
-- depends_on: {{ ref('window_changes') }}
-- depends_on: {{ ref('window_index') }}
{%- set edges = [] %}
{%- for q in range(1, 10) %}{%- do edges.append(('e' ~ q, q / 10)) %}{%- endfor %}
{%- set edge_rows -%}
(select v.monitor, v.role, v.column_name, v.value
 from {{ ref('stg_numeric_values') }} as v
 where v.value is not null
   and {{ shiftwatch.sw_edge_rows('v') }}
 {%- if not shiftwatch.sw_reference_changed() %}
   and 1 = 0  /* the reference did not change: keep the edges */
 {%- endif %}
)
{%- endset %}
select monitor, role, column_name, {% for name, _ in edges %}{{ name }}{{ ', ' if not loop.last }}{% endfor %}
from ({{ shiftwatch.sw_quantiles(edge_rows, ['monitor', 'role', 'column_name'], 'value', edges) }}) as edges
