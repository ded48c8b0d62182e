{#- One row per open alert (see alert_history for the rules). -#}
select * from {{ ref('alert_history') }} where status = 'open'
