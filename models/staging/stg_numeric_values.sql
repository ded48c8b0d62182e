{#- Long format: one row per monitor × event × numeric column (features and scores).
    NaN becomes null here, once, for every engine. -#}
{%- set cfg = shiftwatch.sw_config() -%}
{%- set branches = [] -%}
{%- for m in cfg['monitors'] -%}
  {%- for c in m['numeric'] -%}
    {%- do branches.append("select " ~ shiftwatch.sw_event_columns(m) ~ ", 'feature' as role, "
        ~ shiftwatch.sw_literal(c) ~ " as column_name, "
        ~ shiftwatch.sw_finite_or_null('f.' ~ shiftwatch.sw_quote(c)) ~ " as value from "
        ~ shiftwatch.sw_source(m, 'features')) -%}
  {%- endfor -%}
  {%- if m['predictions'] -%}
    {%- for s in m['predictions']['scores'] -%}
      {%- do branches.append("select " ~ shiftwatch.sw_event_columns(m) ~ ", 'score' as role, "
          ~ shiftwatch.sw_literal(s) ~ " as column_name, "
          ~ shiftwatch.sw_finite_or_null(shiftwatch.sw_column_ref(m, 'predictions', s)) ~ " as value from "
          ~ shiftwatch.sw_source(m, 'predictions')) -%}
    {%- endfor -%}
  {%- endif -%}
{%- endfor -%}
{%- if branches -%}
{{ branches | join('\nunion all\n') }}
{%- else -%}
{{ shiftwatch.sw_no_events([('role', 'string'), ('column_name', 'string'), ('value', 'double')]) }}
{%- endif %}

-- depends_on: {{ ref('stg_row_windows') }}
