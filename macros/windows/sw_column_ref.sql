{#- A qualified column of a monitor's prediction or label relation (alias p or l; f when
    the predictions live in the feature relation). -#}
{% macro sw_column_ref(m, kind, column) %}
  {%- if kind == 'predictions' and m['predictions']['relation'] == m['relation'] -%}
    {{ return('f.' ~ shiftwatch.sw_quote(column)) }}
  {%- endif -%}
  {{ return({'features': 'f', 'predictions': 'p', 'labels': 'l'}[kind] ~ '.' ~ shiftwatch.sw_quote(column)) }}
{% endmacro %}
