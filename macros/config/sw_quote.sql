{#- Quote one identifier from config. Config identifiers are validated in Python and
    quoted here; they are never pasted into SQL as they are. -#}
{% macro sw_quote(identifier) %}{{ return(adapter.quote(identifier)) }}{% endmacro %}
