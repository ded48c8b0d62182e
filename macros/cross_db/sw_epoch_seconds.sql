{% macro sw_epoch_seconds(ts) %}{{ return(adapter.dispatch('sw_epoch_seconds', 'shiftwatch')(ts)) }}{% endmacro %}
{% macro default__sw_epoch_seconds(ts) %}extract(epoch from {{ ts }}){% endmacro %}
{% macro duckdb__sw_epoch_seconds(ts) %}epoch({{ ts }}){% endmacro %}
{% macro spark__sw_epoch_seconds(ts) %}unix_timestamp({{ ts }}){% endmacro %}
