{#- One row per monitor × window: its bounds, whether it is part of the fixed reference,
    its fingerprint (rows, labels, latest timestamps) and schema version(s), and the build
    that last computed it. Incremental: only the windows in window_changes are rewritten. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
select f.monitor, f.window_start, f.window_end, f.is_reference, f.n_rows, f.n_labels,
  f.first_event_ts, f.last_event_ts, f.last_labeled_at, f.schema_version, f.n_schema_versions,
  '{{ shiftwatch.sw_config_hash() }}' as config_hash,
  '{{ invocation_id }}' as build_id
from {{ ref('stg_window_fingerprints') }} as f
join {{ ref('window_changes') }} as c on c.monitor = f.monitor and c.window_start = f.window_start
