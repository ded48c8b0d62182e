{#- Every shiftwatch model lives in the configured results_schema, as it is. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ shiftwatch.sw_config()['results_schema'] }}
{%- endmacro %}
