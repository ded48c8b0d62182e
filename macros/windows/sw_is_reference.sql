{#- True when the window [window_start, window_end) lies inside the monitor's fixed
    reference range [from, to). Previous/rolling references are relative, so no window
    is "the" reference for them. -#}
{% macro sw_is_reference(monitor, window_start, window_end) %}
  {%- set r = monitor['reference'] -%}
  {%- if r['kind'] == 'range' -%}
    ({{ window_start }} >= cast({{ shiftwatch.sw_literal(r['start']) }} as {{ shiftwatch.sw_timestamp() }})
     and {{ window_end }} <= cast({{ shiftwatch.sw_literal(r['end']) }} as {{ shiftwatch.sw_timestamp() }}))
  {%- else -%}
    (1 = 0)
  {%- endif -%}
{% endmacro %}
