{#- The portable double type. dbt's type_float() is a 4-byte FLOAT on DuckDB, so not that. -#}
{% macro sw_double() %}{{ return(adapter.dispatch('sw_double', 'shiftwatch')()) }}{% endmacro %}
{% macro default__sw_double() %}double precision{% endmacro %}
{% macro duckdb__sw_double() %}double{% endmacro %}
{% macro spark__sw_double() %}double{% endmacro %}
