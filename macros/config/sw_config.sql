{#- The monitor config as models see it: every default filled in.

    `shiftwatch <verb>` passes the config already normalised by python_checks.config.
    A plain `dbt build` passes the raw YAML from dbt_project.yml; this macro normalises
    that the same way, so both paths give models one shape to read. Identifiers reach SQL
    only through adapter.quote (sw_quote, sw_relation). -#}
{% macro sw_config() %}
  {%- set raw = var('shiftwatch', {}) -%}
  {%- set monitors = [] -%}
  {%- for m in raw.get('monitors', []) -%}
    {%- do monitors.append(shiftwatch.sw_normalize_monitor(m)) -%}
  {%- endfor -%}
  {{ return({
      'results_schema': raw.get('results_schema', 'shiftwatch_results'),
      'sample_size': raw.get('sample_size', 2000) | int,
      'reference_sample_size': raw.get('reference_sample_size', 4000) | int,
      'monitors': monitors}) }}
{% endmacro %}

{% macro sw_parse_relation(value) %}
  {%- if value is mapping -%}{{ return({'schema': value.get('schema'), 'name': value['name']}) }}{%- endif -%}
  {%- set parts = value.split('.') -%}
  {%- if parts | length == 2 -%}{{ return({'schema': parts[0], 'name': parts[1]}) }}{%- endif -%}
  {{ return({'schema': none, 'name': parts[0]}) }}
{% endmacro %}

{% macro sw_as_list(value) %}
  {%- if value is none -%}{{ return([]) }}{%- endif -%}
  {%- if value is string -%}{{ return([value]) }}{%- endif -%}
  {{ return(value | list) }}
{% endmacro %}

{% macro sw_normalize_monitor(m) %}
  {%- set relation = shiftwatch.sw_parse_relation(m['relation']) -%}
  {#- window: {every: '1 day'} | {rows: N} | normalised {every_n, every_unit, rows} -#}
  {%- set w = m['window'] -%}
  {%- if 'every_unit' in w -%}
    {%- set window = w -%}
  {%- elif 'rows' in w -%}
    {%- set window = {'every_n': none, 'every_unit': none, 'rows': w['rows'] | int} -%}
  {%- else -%}
    {%- set parts = (w['every'] | string).strip().split() -%}
    {%- set window = {'every_n': parts[0] | int, 'every_unit': parts[1].rstrip('s'), 'rows': none} -%}
  {%- endif -%}
  {%- set r = m['reference'] -%}
  {%- if 'kind' in r -%}
    {%- set reference = r -%}
  {%- elif 'from' in r -%}
    {%- set reference = {'kind': 'range', 'start': r['from'] | string, 'end': r['to'] | string, 'windows': none} -%}
  {%- elif 'previous' in r -%}
    {%- set reference = {'kind': 'previous', 'start': none, 'end': none, 'windows': r['previous'] | int} -%}
  {%- else -%}
    {%- set reference = {'kind': 'rolling', 'start': none, 'end': none, 'windows': r['rolling'] | int} -%}
  {%- endif -%}
  {%- if 'numeric' in m -%}
    {%- set numeric = m['numeric'] -%}{%- set categorical = m['categorical'] -%}
  {%- else -%}
    {%- set features = m.get('features') or {} -%}
    {%- set numeric = shiftwatch.sw_as_list(features.get('numeric')) -%}
    {%- set categorical = shiftwatch.sw_as_list(features.get('categorical')) -%}
  {%- endif -%}
  {%- set predictions = none -%}
  {%- if m.get('predictions') -%}
    {%- set p = m['predictions'] -%}
    {%- set predictions = {
        'relation': shiftwatch.sw_parse_relation(p.get('relation') or m['relation']),
        'scores': shiftwatch.sw_as_list(p.get('scores', p.get('score'))),
        'label': p.get('label'),
        'model_version': p.get('model_version')} -%}
  {%- endif -%}
  {%- set labels = none -%}
  {%- if m.get('labels') -%}
    {%- set l = m['labels'] -%}
    {%- set labels = {'relation': shiftwatch.sw_parse_relation(l.get('relation') or m['relation']),
                      'column': l['column'], 'timestamp': l.get('timestamp')} -%}
  {%- endif -%}
  {{ return({
      'name': m['name'], 'relation': relation, 'id': m['id'], 'timestamp': m['timestamp'],
      'window': window, 'reference': reference, 'numeric': numeric, 'categorical': categorical,
      'predictions': predictions, 'labels': labels,
      'segments': shiftwatch.sw_as_list(m.get('segments')),
      'schema_version': m.get('schema_version', 'v1'),
      'schema_version_column': m.get('schema_version_column')}) }}
{% endmacro %}
