{#- In an incremental build, a predicate keeping only the rows of windows listed in
    window_changes; in a full build, true. The changed time range is looked up at run
    time, so an unchanged build selects nothing and a nightly one lets the engine prune by
    `time_column` (event_ts on staging rows, window_start on artefacts) before the exact
    per-window check. Models using it declare `-- depends_on: {{ ref('window_changes') }}`. -#}
{% macro sw_changed_window(alias, time_column='window_start') %}
  {%- if not is_incremental() -%}{{ return('(1 = 1)') }}{%- endif -%}
  {%- set exact = 'exists (select 1 from ' ~ ref('window_changes') ~ ' as wc where wc.monitor = ' ~ alias
                  ~ '.monitor and wc.window_start = ' ~ alias ~ '.window_start)' -%}
  {%- if not execute -%}{{ return(exact) }}{%- endif -%}
  {%- set bounds = run_query('select count(*), min(window_start), max(window_end) from ' ~ ref('window_changes')) -%}
  {%- set n, first, last = bounds.rows[0][0], bounds.rows[0][1], bounds.rows[0][2] -%}
  {%- if n == 0 -%}{{ return('(1 = 0)') }}{%- endif -%}
  {%- set ts = shiftwatch.sw_timestamp() -%}
  {{ return('(' ~ alias ~ '.' ~ time_column ~ " >= cast('" ~ first ~ "' as " ~ ts ~ ') and ' ~ alias ~ '.' ~ time_column
            ~ " < cast('" ~ last ~ "' as " ~ ts ~ ') and ' ~ exact ~ ')') }}
{% endmacro %}
