{#- The result tables' columns and portable types: the one place they are defined
    (docs/DESIGN.md, "Result tables"). python_checks writes rows by these names. -#}
{% macro result_table_columns() %}
  {%- set ts = shiftwatch.sw_timestamp() -%}
  {%- set dbl = shiftwatch.sw_double() -%}
  {%- set str = shiftwatch.sw_string() -%}
  {%- set big = 'bigint' -%}
  {%- set boo = 'boolean' -%}
  {{ return({
    'runs': [('run_id', str), ('started_at', ts), ('finished_at', ts), ('status', str), ('target', str),
             ('counts', str), ('version', str), ('config_hash', str), ('message', str)],
    'drift_results': [('run_id', str), ('monitor', str), ('window_start', ts), ('window_end', ts),
             ('reference', str), ('column_name', str), ('segment', str), ('test', str),
             ('statistic', dbl), ('p_value', dbl), ('q_value', dbl), ('effect', dbl), ('threshold', dbl),
             ('drifted', boo), ('shift_kind', str), ('n_reference', big), ('n_current', big),
             ('skipped_reason', str), ('details', str), ('computed_at', ts)],
    'label_shift_estimates': [('run_id', str), ('monitor', str), ('window_start', ts), ('window_end', ts),
             ('column_name', str), ('class_label', str), ('reference_prior', dbl), ('estimated_prior', dbl),
             ('ci_low', dbl), ('ci_high', dbl), ('observed_prior', dbl), ('n_predicted', big),
             ('n_labeled', big), ('computed_at', ts)],
    'quality_results': [('run_id', str), ('monitor', str), ('suite', str), ('schema_version', str),
             ('window_start', ts), ('window_end', ts), ('expectation', str), ('column_name', str),
             ('success', boo), ('observed_value', str), ('expected', str), ('details', str)],
    'schema_changes': [('run_id', str), ('monitor', str), ('schema_version', str), ('column_name', str),
             ('change', str), ('expected_type', str), ('actual_type', str)]
  }) }}
{% endmacro %}
