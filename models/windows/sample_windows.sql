{#- A bounded, deterministic sample of events per monitor × window: the events with the
    smallest md5(id), at most `sample_size` of them, with all their numeric values (long
    format). The reference sample is the smallest keys across the reference windows, which
    these per-window samples always contain. Rows sharing an id count once (the largest
    value per column). -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
-- depends_on: {{ ref('window_changes') }}
{%- set cfg = shiftwatch.sw_config() %}
{#- Every event has a row for each numeric column: one column per monitor lists them all,
    at a tenth of the rows a distinct over every column would read. -#}
{%- set firsts = [] %}
{%- for m in cfg['monitors'] %}
  {%- if m['numeric'] %}{% do firsts.append((m['name'], 'feature', m['numeric'][0])) %}
  {%- elif m['predictions'] %}{% do firsts.append((m['name'], 'score', m['predictions']['scores'][0])) %}{% endif %}
{%- endfor %}
with events as (
  select distinct monitor, window_start, row_id
  from {{ ref('stg_numeric_values') }} as v
  where ({% for series in firsts %}({{ shiftwatch.sw_series_rows('v', series) }}){{ ' or ' if not loop.last }}{% else %}1 = 0{% endfor %})
    and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
),
keyed as (
  select monitor, window_start, row_id, {{ dbt.hash('row_id') }} as sample_key
  from events
),
ranked as (
  select monitor, window_start, row_id, sample_key,
    row_number() over (partition by monitor, window_start order by sample_key, row_id) as sample_rank
  from keyed
),
sampled as (
  -- One value per sampled id and column: rows sharing an id (duplicates) are one event
  -- here, so the sample stays bounded by sample_size whatever the data.
  select v.monitor, v.window_start, v.window_end, r.row_id, r.sample_key, r.sample_rank, v.role, v.column_name,
    max(v.value) as value
  from ranked as r
  join {{ ref('stg_numeric_values') }} as v
    on v.monitor = r.monitor and v.window_start = r.window_start and v.row_id = r.row_id
  where r.sample_rank <= {{ cfg['sample_size'] }}
    and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
  group by v.monitor, v.window_start, v.window_end, r.row_id, r.sample_key, r.sample_rank, v.role, v.column_name
)
select
  monitor, window_start, window_end,
  {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }} as is_reference,
  row_id, sample_key, sample_rank, role, column_name, value,
  '{{ invocation_id }}' as build_id
from sampled
