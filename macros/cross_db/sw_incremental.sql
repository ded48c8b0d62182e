{#- How an artefact model is incremental: rows of a recomputed key (monitor × window, or
    monitor × role × column) replace all of that key's rows. delete+insert on the key where
    the engine can delete rows; on Spark, where Parquet tables have neither DELETE nor
    MERGE, insert_overwrite with the key as partition columns, so each recomputed
    partition is overwritten whole (dynamic partition overwrite) and the others are kept.
    Models call `config(**shiftwatch.sw_incremental([...]))` and never look at the engine. -#}
{% macro sw_incremental(unique_key) %}{{ return(adapter.dispatch('sw_incremental', 'shiftwatch')(unique_key)) }}{% endmacro %}
{% macro default__sw_incremental(unique_key) %}
  {{ return({'materialized': 'incremental', 'unique_key': unique_key, 'incremental_strategy': 'delete+insert'}) }}
{% endmacro %}
{% macro spark__sw_incremental(unique_key) %}
  {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite', 'partition_by': unique_key,
             'file_format': 'parquet'}) }}
{% endmacro %}
