{% macro sw_from_epoch_seconds(seconds) %}{{ return(adapter.dispatch('sw_from_epoch_seconds', 'shiftwatch')(seconds)) }}{% endmacro %}
{% macro default__sw_from_epoch_seconds(seconds) %}(to_timestamp({{ seconds }}) at time zone 'UTC'){% endmacro %}
{% macro duckdb__sw_from_epoch_seconds(seconds) %}cast(make_timestamp(cast({{ seconds }} as bigint) * 1000000) as timestamp){% endmacro %}
{% macro spark__sw_from_epoch_seconds(seconds) %}timestamp_seconds({{ seconds }}){% endmacro %}
