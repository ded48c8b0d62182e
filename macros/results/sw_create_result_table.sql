{#- The statements that create one result table if it does not exist. On Spark a result
    table is a view onto its current generation (`<name>__sw_<generation>`): Parquet tables
    cannot be replaced atomically, so python_checks (SparkWarehouse.write_rows) publishes
    by writing the next generation and swapping the view onto it. -#}
{% macro sw_create_result_table(relation, columns) %}{{ return(adapter.dispatch('sw_create_result_table', 'shiftwatch')(relation, columns)) }}{% endmacro %}
{% macro default__sw_create_result_table(relation, columns) %}
  {{ return(['create table if not exists ' ~ relation ~ ' (' ~ columns ~ ')']) }}
{% endmacro %}
{% macro spark__sw_create_result_table(relation, columns) %}
  {%- if adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) is not none -%}
    {{ return([]) }}
  {%- endif -%}
  {%- set generation = relation.incorporate(path={'identifier': relation.identifier ~ '__sw_0'}) -%}
  {{ return(['create table if not exists ' ~ generation ~ ' (' ~ columns ~ ') using parquet',
             'create view ' ~ relation ~ ' as select * from ' ~ generation]) }}
{% endmacro %}
