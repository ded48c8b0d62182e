{#- The SQL of a hook that runs several statements: one script where the engine takes
    several statements at once; on Spark (one statement per call) each is run here and the
    hook itself is empty. -#}
{% macro sw_hook_statements(statements) %}{{ return(adapter.dispatch('sw_hook_statements', 'shiftwatch')(statements)) }}{% endmacro %}
{% macro default__sw_hook_statements(statements) %}{{ return(statements | join(';\n')) }}{% endmacro %}
{% macro spark__sw_hook_statements(statements) %}
  {%- for statement in statements -%}{%- do run_query(statement) -%}{%- endfor -%}
  {{ return('') }}
{% endmacro %}
