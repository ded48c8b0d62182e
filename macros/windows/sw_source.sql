{#- FROM clause for a monitor's rows of one kind: 'features' (alias f, and rw for row
    windows), 'predictions' (aliases p, f) or 'labels' (aliases l, f). Predictions and labels take their window
    from the event they belong to, found by id in the feature relation. -#}
{% macro sw_source(m, kind) %}
  {%- set id = shiftwatch.sw_quote(m['id']) -%}
  {%- set features = shiftwatch.sw_relation(m['relation']) ~ ' as f' -%}
  {%- if m['window']['rows'] -%}
    {%- set features = features ~ ' join ' ~ ref('stg_row_windows') ~ ' as rw on rw.monitor = '
        ~ shiftwatch.sw_literal(m['name']) ~ ' and rw.row_id = cast(f.' ~ id ~ ' as ' ~ shiftwatch.sw_string() ~ ')' -%}
  {%- endif -%}
  {%- if kind == 'features' -%}
    {{ return(features) }}
  {%- elif kind == 'predictions' -%}
    {%- if m['predictions']['relation'] == m['relation'] -%}
      {{ return(features) }}
    {%- endif -%}
    {{ return(shiftwatch.sw_relation(m['predictions']['relation']) ~ ' as p join ' ~ features ~ ' on p.' ~ id ~ ' = f.' ~ id) }}
  {%- else -%}
    {{ return(shiftwatch.sw_relation(m['labels']['relation']) ~ ' as l join ' ~ features ~ ' on l.' ~ id ~ ' = f.' ~ id) }}
  {%- endif -%}
{% endmacro %}
