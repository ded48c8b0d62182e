{% macro sw_timestamp() %}{{ return(adapter.dispatch('sw_timestamp', 'shiftwatch')()) }}{% endmacro %}
{% macro default__sw_timestamp() %}timestamp{% endmacro %}
