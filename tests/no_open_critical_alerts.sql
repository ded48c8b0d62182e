{#- Opt-in gate: fails `dbt build` while a critical alert is open. Enable it with
    `--vars '{shiftwatch_fail_on_critical: true}'` (dbt_project.yml keeps it off by default,
    and `shiftwatch run` never runs dbt data tests: it has --fail-on). -#}
{{ config(severity='error') }}
select monitor, column_name, segment, shift_kind, test, severity, first_seen, last_seen, windows_in_a_row
from {{ ref('alerts') }}
where severity = 'critical'
