{#- A per-monitor threshold setting as a CASE over the configured monitors (e.g. persist). -#}
{% macro sw_monitor_setting_case(monitor_column, key, default) %}
  {%- set monitors = shiftwatch.sw_config()['monitors'] -%}
  (case {{ monitor_column }}
  {%- for m in monitors %}
    when {{ shiftwatch.sw_literal(m['name']) }} then {{ ((var('shiftwatch')['monitors'][loop.index0].get('thresholds') or {}).get(key, default)) | int }}
  {%- endfor %}
    else {{ default }} end)
{% endmacro %}
