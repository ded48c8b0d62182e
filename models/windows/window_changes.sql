{#- The windows this build must (re)compute: new windows, windows whose rows or labels
    changed since window_index recorded them (late rows, late labels), and every window
    of a monitor whose reference changed or whose config changed. A full refresh, or a
    first build, recomputes everything. Rows changed in place without changing a window's
    count or latest timestamp are not seen: `--full-refresh` rebuilds them. -#}
{{ config(materialized='table') }}
{%- set previous = adapter.get_relation(database=this.database, schema=this.schema, identifier='window_index') -%}
{%- set rebuild_all = flags.FULL_REFRESH or previous is none -%}
with current_windows as (
  select * from {{ ref('stg_window_fingerprints') }}
)
{%- if rebuild_all %}
select monitor, window_start, window_end, is_reference, 'full' as reason
from current_windows
{%- else %},
changed as (
  select c.monitor, c.window_start, c.is_reference,
    case when p.monitor is null then 'new'
         when p.config_hash <> '{{ shiftwatch.sw_config_hash() }}' then 'config_changed'
         when p.n_labels <> c.n_labels or not (coalesce(p.last_labeled_at, p.last_event_ts) = coalesce(c.last_labeled_at, c.last_event_ts)) then 'labels_changed'
         else 'rows_changed' end as reason
  from current_windows as c
  left join {{ previous }} as p on p.monitor = c.monitor and p.window_start = c.window_start
  where p.monitor is null
     or p.config_hash <> '{{ shiftwatch.sw_config_hash() }}'
     or p.n_rows <> c.n_rows
     or p.n_labels <> c.n_labels
     or not (p.last_event_ts = c.last_event_ts)
     or not (coalesce(p.last_labeled_at, p.last_event_ts) = coalesce(c.last_labeled_at, c.last_event_ts))
),
rebuild_monitor as (
  -- A changed reference (or config) changes every window's comparison.
  select distinct monitor from changed where is_reference or reason = 'config_changed'
)
select c.monitor, c.window_start, c.window_end, c.is_reference,
  case when r.monitor is not null and ch.reason is null then 'reference_changed'
       when r.monitor is not null and ch.reason = 'config_changed' then 'config_changed'
       when r.monitor is not null then 'reference_changed'
       else ch.reason end as reason
from current_windows as c
left join changed as ch on ch.monitor = c.monitor and ch.window_start = c.window_start
left join rebuild_monitor as r on r.monitor = c.monitor
where ch.monitor is not null or r.monitor is not null
{%- endif %}
