{#- A quoted relation from a normalised {schema, name} mapping. -#}
{% macro sw_relation(relation) %}
  {%- if relation['schema'] -%}
    {{ return(adapter.quote(relation['schema']) ~ '.' ~ adapter.quote(relation['name'])) }}
  {%- endif -%}
  {{ return(adapter.quote(relation['name'])) }}
{% endmacro %}
