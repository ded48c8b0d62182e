{#- Category counts and shares per monitor × role × column × window. Nulls are counted in
    feature_windows (n_null), not as a category. -#}
{{ config(**shiftwatch.sw_incremental(['monitor', 'window_start'])) }}
-- depends_on: {{ ref('window_changes') }}
with counts as (
  select monitor, role, column_name, window_start, window_end, category, count(*) as n
  from {{ ref('stg_categorical_values') }} as v
  where category is not null and {{ shiftwatch.sw_changed_window('v', 'event_ts') }}
  group by monitor, role, column_name, window_start, window_end, category
)
select
  monitor, role, column_name, window_start, window_end,
  {{ shiftwatch.sw_is_reference_case('monitor', 'window_start', 'window_end') }} as is_reference,
  category,
  n,
  cast(n as {{ shiftwatch.sw_double() }}) / sum(n) over (partition by monitor, role, column_name, window_start) as share,
  '{{ invocation_id }}' as build_id
from counts
