{#- The columns every long-format staging row starts with, for monitor `m` whose feature
    relation is aliased `f`: monitor, row_id, event_ts, window_start, window_end. -#}
{% macro sw_event_columns(m) %}
  {%- set ts = 'cast(f.' ~ shiftwatch.sw_quote(m['timestamp']) ~ ' as ' ~ shiftwatch.sw_timestamp() ~ ')' -%}
  {%- set start = shiftwatch.sw_window_start(ts, m['window']) -%}
  {{ shiftwatch.sw_literal(m['name']) }} as monitor,
  cast(f.{{ shiftwatch.sw_quote(m['id']) }} as {{ shiftwatch.sw_string() }}) as row_id,
  {{ ts }} as event_ts,
  {{ start }} as window_start,
  {{ shiftwatch.sw_window_end(start, m['window']) }} as window_end
{% endmacro %}
