{#- The positive class of a binary label stored as text: '1' or 'true' (any case). -#}
{% macro sw_is_positive(expr) %}(lower({{ expr }}) in ('1', 'true', '1.0')){% endmacro %}
