{#- A hash of the normalised config: a change of features, windows or reference makes the
    next build a full one. -#}
{% macro sw_config_hash() %}{{ return(local_md5(tojson(shiftwatch.sw_config()))) }}{% endmacro %}
