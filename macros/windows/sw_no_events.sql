{#- An empty relation with the staging event columns plus `extra` (name -> type macro
    name: 'string', 'double', 'timestamp' or 'integer'), for a config with no monitors of a kind. -#}
{% macro sw_no_events(extra) %}
  {%- set types = {'string': shiftwatch.sw_string(), 'double': shiftwatch.sw_double(), 'timestamp': shiftwatch.sw_timestamp(), 'integer': 'integer'} -%}
  {%- set columns = [('monitor', 'string'), ('row_id', 'string'), ('event_ts', 'timestamp'),
                     ('window_start', 'timestamp'), ('window_end', 'timestamp')] + extra -%}
  {%- set casts = [] -%}
  {%- for name, kind in columns -%}{%- do casts.append('cast(null as ' ~ types[kind] ~ ') as ' ~ name) -%}{%- endfor -%}
  {{ return('select ' ~ casts | join(', ') ~ ' where 1 = 0') }}
{% endmacro %}
