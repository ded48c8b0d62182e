{#- True (at run time) when this build recomputes a reference window, so models derived
    from the reference (bin edges, reference ECDF) must be rebuilt. -#}
{% macro sw_reference_changed() %}
  {%- if not execute or not is_incremental() -%}{{ return(true) }}{%- endif -%}
  {%- set result = run_query("select count(*) from " ~ ref('window_changes') ~ " where reason in ('full', 'reference_changed', 'config_changed') or is_reference") -%}
  {{ return(result.columns[0].values()[0] > 0) }}
{% endmacro %}
