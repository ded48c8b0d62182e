{#- Long format: one row per monitor × event × categorical column: features, the
    predicted label (role 'prediction') and the true label (role 'label', only for the
    events labelled so far). -#}
{%- set cfg = shiftwatch.sw_config() -%}
{%- set branches = [] -%}
{%- for m in cfg['monitors'] -%}
  {%- for c in m['categorical'] -%}
    {%- do branches.append("select " ~ shiftwatch.sw_event_columns(m) ~ ", 'feature' as role, "
        ~ shiftwatch.sw_literal(c) ~ " as column_name, cast(f." ~ shiftwatch.sw_quote(c) ~ " as "
        ~ shiftwatch.sw_string() ~ ") as category from " ~ shiftwatch.sw_source(m, 'features')) -%}
  {%- endfor -%}
  {%- if m['predictions'] and m['predictions']['label'] -%}
    {%- do branches.append("select " ~ shiftwatch.sw_event_columns(m) ~ ", 'prediction' as role, "
        ~ shiftwatch.sw_literal(m['predictions']['label']) ~ " as column_name, cast("
        ~ shiftwatch.sw_column_ref(m, 'predictions', m['predictions']['label']) ~ " as "
        ~ shiftwatch.sw_string() ~ ") as category from " ~ shiftwatch.sw_source(m, 'predictions')) -%}
  {%- endif -%}
  {%- if m['labels'] -%}
    {%- do branches.append("select " ~ shiftwatch.sw_event_columns(m) ~ ", 'label' as role, "
        ~ shiftwatch.sw_literal(m['labels']['column']) ~ " as column_name, cast("
        ~ shiftwatch.sw_column_ref(m, 'labels', m['labels']['column']) ~ " as "
        ~ shiftwatch.sw_string() ~ ") as category from " ~ shiftwatch.sw_source(m, 'labels')) -%}
  {%- endif -%}
{%- endfor -%}
{%- if branches -%}
{{ branches | join('\nunion all\n') }}
{%- else -%}
{{ shiftwatch.sw_no_events([('role', 'string'), ('column_name', 'string'), ('category', 'string')]) }}
{%- endif %}

-- depends_on: {{ ref('stg_row_windows') }}
