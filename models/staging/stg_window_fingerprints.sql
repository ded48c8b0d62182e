{#- What each window holds now, cheaply: its row count, latest event, schema versions, and
    how many labels have arrived for its events (and the latest arrival). window_changes
    compares this with what window_index recorded at the last build. -#}
{%- set cfg = shiftwatch.sw_config() -%}
{%- set branches = [] -%}
{%- for m in cfg['monitors'] -%}
  {%- set version = ('cast(f.' ~ shiftwatch.sw_quote(m['schema_version_column']) ~ ' as ' ~ shiftwatch.sw_string() ~ ')')
                    if m['schema_version_column'] else shiftwatch.sw_literal(m['schema_version']) -%}
  {%- do branches.append("select " ~ shiftwatch.sw_event_columns(m) ~ ", " ~ version ~ " as schema_version, "
      ~ "cast(null as " ~ shiftwatch.sw_timestamp() ~ ") as labeled_at, 0 as is_label from " ~ shiftwatch.sw_source(m, 'features')) -%}
  {%- if m['labels'] -%}
    {%- set labeled_at = ("cast(l." ~ shiftwatch.sw_quote(m['labels']['timestamp']) ~ " as " ~ shiftwatch.sw_timestamp() ~ ")")
                         if m['labels']['timestamp'] else "cast(null as " ~ shiftwatch.sw_timestamp() ~ ")" -%}
    {%- do branches.append("select " ~ shiftwatch.sw_event_columns(m) ~ ", cast(null as " ~ shiftwatch.sw_string()
        ~ ") as schema_version, " ~ labeled_at ~ " as labeled_at, 1 as is_label from " ~ shiftwatch.sw_source(m, 'labels')) -%}
  {%- endif -%}
{%- endfor %}
with events as (
{%- if branches %}
  {{ branches | join('\n  union all\n  ') }}
{%- else %}
  {{ shiftwatch.sw_no_events([('schema_version', 'string'), ('labeled_at', 'timestamp'), ('is_label', 'integer')]) }}
{%- endif %}
)
select
  monitor, window_start, window_end,
  {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }} as is_reference,
  cast(sum(1 - is_label) as bigint) as n_rows,
  cast(sum(is_label) as bigint) as n_labels,
  max(case when is_label = 0 then event_ts end) as last_event_ts,
  min(case when is_label = 0 then event_ts end) as first_event_ts,
  max(labeled_at) as last_labeled_at,
  min(schema_version) as schema_version,
  count(distinct schema_version) as n_schema_versions
from events
group by monitor, window_start, window_end

-- depends_on: {{ ref('stg_row_windows') }}
