{#- on-run-start: create the schema and the result tables that python_checks writes, so
    the reporting views can be built by a plain `dbt build` too. Idempotent. -#}
{% macro create_result_tables() %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set schema = shiftwatch.sw_config()['results_schema'] -%}
  {#- Spark has no database above its schemas: target.database is undefined there. -#}
  {%- set database = target.database if target.database is defined else none -%}
  {%- do adapter.create_schema(api.Relation.create(database=database, schema=schema)) -%}
  {%- set statements = [] -%}
  {%- for table, columns in shiftwatch.result_table_columns().items() -%}
    {%- set cols = [] -%}
    {%- for name, type in columns -%}{%- do cols.append(adapter.quote(name) ~ ' ' ~ type) -%}{%- endfor -%}
    {%- set relation = api.Relation.create(database=database, schema=schema, identifier=table) -%}
    {%- do statements.extend(shiftwatch.sw_create_result_table(relation, cols | join(', '))) -%}
  {%- endfor -%}
  {{ return(shiftwatch.sw_hook_statements(statements)) }}
{% endmacro %}
