{#- FROM clause for a monitor's rows of one kind: 'features' (alias f, and rw for row
    windows), 'predictions' (aliases p, f) or 'labels' (aliases l, f). Predictions and labels take their window
    from the event they belong to, found by id in the feature relation. -#}
{% macro sw_source(m, kind) %}
  {%- set id = shiftwatch.sw_quote(m['id']) -%}
  {%- set features = shiftwatch.sw_relation(m['relation']) ~ ' as f' -%}
  {#- The row-window join comes last: Spark has no nested joins (a join b join c on .. on ..). -#}
  {%- set row_windows = '' -%}
  {%- if m['window']['rows'] -%}
    {%- set row_windows = ' join ' ~ ref('stg_row_windows') ~ ' as rw on rw.monitor = '
        ~ shiftwatch.sw_literal(m['name']) ~ ' and rw.row_id = cast(f.' ~ id ~ ' as ' ~ shiftwatch.sw_string() ~ ')' -%}
  {%- endif -%}
  {%- if kind == 'features' or (kind == 'predictions' and m['predictions']['relation'] == m['relation']) -%}
    {{ return(features ~ row_windows) }}
  {%- elif kind == 'predictions' -%}
    {{ return(shiftwatch.sw_relation(m['predictions']['relation']) ~ ' as p join ' ~ features ~ ' on p.' ~ id ~ ' = f.' ~ id ~ row_windows) }}
  {%- else -%}
    {{ return(shiftwatch.sw_relation(m['labels']['relation']) ~ ' as l join ' ~ features ~ ' on l.' ~ id ~ ' = f.' ~ id ~ row_windows) }}
  {%- endif -%}
{% endmacro %}
