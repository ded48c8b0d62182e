{% macro sw_string() %}{{ return(adapter.dispatch('sw_string', 'shiftwatch')()) }}{% endmacro %}
{% macro default__sw_string() %}varchar{% endmacro %}
{% macro spark__sw_string() %}string{% endmacro %}
