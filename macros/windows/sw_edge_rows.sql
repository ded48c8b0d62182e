{#- The rows histogram bin edges are fixed from: the reference range's rows, or for a
    relative reference (previous/rolling) the rows of the monitor's first 7 windows. -#}
{% macro sw_edge_rows(alias) %}
  {%- set monitors = shiftwatch.sw_config()['monitors'] -%}
  {%- if not monitors -%}{{ return('(1 = 0)') }}{%- endif -%}
  (case {{ alias }}.monitor
  {%- for m in monitors %}
    when {{ shiftwatch.sw_literal(m['name']) }} then
    {%- if m['reference']['kind'] == 'range' %} {{ shiftwatch.sw_is_reference(m, alias ~ '.window_start', alias ~ '.window_end') }}
    {%- else %} {{ alias }}.window_start in (select wi.window_start from {{ ref('window_index') }} as wi
                 where wi.monitor = {{ shiftwatch.sw_literal(m['name']) }} order by wi.window_start limit 7)
    {%- endif %}
  {%- endfor %}
    else (1 = 0) end)
{% endmacro %}
