{#- A string literal. Values from config reach SQL as literals only through here. -#}
{% macro sw_literal(value) %}{{ return("'" ~ (value | string).replace("'", "''") ~ "'") }}{% endmacro %}
