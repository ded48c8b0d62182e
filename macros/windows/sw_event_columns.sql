{#- The columns every long-format staging row starts with, for monitor `m` whose feature
    relation is aliased `f`: monitor, row_id, event_ts, window_start, window_end. Row
    windows come from stg_row_windows, joined as `rw` by sw_source. -#}
{% macro sw_event_columns(m) %}
  {%- set ts = 'cast(f.' ~ shiftwatch.sw_quote(m['timestamp']) ~ ' as ' ~ shiftwatch.sw_timestamp() ~ ')' -%}
  {{ shiftwatch.sw_literal(m['name']) }} as monitor,
  cast(f.{{ shiftwatch.sw_quote(m['id']) }} as {{ shiftwatch.sw_string() }}) as row_id,
  {{ ts }} as event_ts,
  {%- if m['window']['rows'] %}
  rw.window_start as window_start,
  rw.window_end as window_end
  {%- else %}
  {%- set start = shiftwatch.sw_window_start(ts, m['window']) %}
  {{ start }} as window_start,
  {{ shiftwatch.sw_window_end(start, m['window']) }} as window_end
  {%- endif %}
{% endmacro %}
