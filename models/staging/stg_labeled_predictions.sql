{#- One row per monitor × segment × scored event: the prediction, the first score, the
    model version ('' when not configured) and, once it has arrived, the true label. Segment '*' is every event; each configured
    segment column adds rows tagged '<column>=<value>'. -#}
{%- set cfg = shiftwatch.sw_config() -%}
{%- set branches = [] -%}
{%- for m in cfg['monitors'] if m['predictions'] and m['labels'] and m['predictions']['label'] -%}
  {%- set id = shiftwatch.sw_quote(m['id']) -%}
  {%- set lab = m['labels'] -%}
  {%- set segments = [("'*'", none)] -%}
  {%- for s in m['segments'] -%}
    {%- do segments.append((shiftwatch.sw_literal(s ~ '=') ~ " || coalesce(cast(f." ~ shiftwatch.sw_quote(s) ~ " as " ~ shiftwatch.sw_string() ~ "), 'null')", s)) -%}
  {%- endfor -%}
  {%- for segment_expr, _ in segments -%}
    {%- set from_clause = shiftwatch.sw_source(m, 'predictions') ~ " left join " ~ shiftwatch.sw_relation(lab['relation'])
        ~ " as l on l." ~ id ~ " = f." ~ id -%}
    {%- do branches.append("select " ~ shiftwatch.sw_event_columns(m) ~ ", " ~ segment_expr ~ " as segment, "
        ~ "cast(" ~ shiftwatch.sw_column_ref(m, 'predictions', m['predictions']['label']) ~ " as " ~ shiftwatch.sw_string() ~ ") as y_pred, "
        ~ shiftwatch.sw_finite_or_null(shiftwatch.sw_column_ref(m, 'predictions', m['predictions']['scores'][0])) ~ " as score, "
        ~ ("cast(" ~ shiftwatch.sw_column_ref(m, 'predictions', m['predictions']['model_version']) ~ " as " ~ shiftwatch.sw_string() ~ ")" if m['predictions']['model_version'] else "''") ~ " as model_version, "
        ~ "cast(l." ~ shiftwatch.sw_quote(lab['column']) ~ " as " ~ shiftwatch.sw_string() ~ ") as y_true, "
        ~ ("cast(l." ~ shiftwatch.sw_quote(lab['timestamp']) ~ " as " ~ shiftwatch.sw_timestamp() ~ ")" if lab['timestamp'] else "cast(null as " ~ shiftwatch.sw_timestamp() ~ ")")
        ~ " as labeled_at from " ~ from_clause) -%}
  {%- endfor -%}
{%- endfor -%}
{%- if branches -%}
{{ branches | join('\nunion all\n') }}
{%- else -%}
{{ shiftwatch.sw_no_events([('segment', 'string'), ('y_pred', 'string'), ('score', 'double'), ('model_version', 'string'), ('y_true', 'string'), ('labeled_at', 'timestamp')]) }}
{%- endif %}

-- depends_on: {{ ref('stg_row_windows') }}
