{#- is_reference for rows of any monitor: a CASE over the configured monitors. -#}
{% macro sw_is_reference_case(monitor_column, window_start, window_end) %}
  {%- set monitors = shiftwatch.sw_config()['monitors'] -%}
  {%- if not monitors -%}{{ return('(1 = 0)') }}{%- endif -%}
  (case {{ monitor_column }}
  {%- for m in monitors %}
    when {{ shiftwatch.sw_literal(m['name']) }} then {{ shiftwatch.sw_is_reference(m, window_start, window_end) }}
  {%- endfor %}
    else (1 = 0) end)
{% endmacro %}
