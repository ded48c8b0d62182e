{#- sw_window_value_stats(values_relation, where, columns, percents, by=none, moments=false):
    exact quantiles (numpy's 'linear' method: h = (n - 1) q, x[floor h] + (h - floor h)
    (x[ceil h] - x[floor h])) and the number of distinct values, per monitor × role × column
    × window, for every (monitor, role, column) in `columns`. One `union all` branch per
    column, each partitioned by window, so that the engine works on one column's windows at a
    time and can spill them under a memory limit, where a quantile aggregate over all columns
    at once holds every value of every group in memory (docs/windows.md, "Memory").
    `values_relation` has monitor, role, column_name, window_start and value; `where` filters
    it (alias v). `by` names one more column of it to split each window by (a model version).
    Output columns: monitor, role, column_name, window_start, [by,] n_distinct, p<NN> for each
    percent.

    With `moments`, the same pass also gives what numeric_window_stats needs besides
    (values_relation then also has window_end): window_end, n (rows, nulls included),
    n_values, min_value, max_value, and the window's mean as `center` with the sums of
    powers s1..s4 of (value - center) (macros/stats/sw_moments.sql). The mean comes from
    the same partition as the quantiles, so one scan of the column serves every statistic.

    default: portable SQL, `row_number()` over a sort of each column within each window,
    the two order statistics around h picked and interpolated (NULLS LAST spelled out: Spark
    sorts nulls first). duckdb: `quantile_cont` as a window aggregate over the same
    partition, which selects instead of sorting (2.2× faster at 10M rows) and still spills
    under the limit, and `count(distinct)`; same formula, same values. -#}
{% macro sw_window_value_stats(values_relation, where, columns, percents, by=none, moments=false) %}{{ return(adapter.dispatch('sw_window_value_stats', 'shiftwatch')(values_relation, where, columns, percents, by, moments)) }}{% endmacro %}

{% macro default__sw_window_value_stats(values_relation, where, columns, percents, by=none, moments=false) %}
  {%- set part = 'window_start' ~ (', ' ~ by if by else '') -%}
  {%- set dbl = shiftwatch.sw_double() -%}
  {%- set sums = ['s1', 's2', 's3', 's4'] -%}
  {%- if not columns %}
  select cast(null as {{ shiftwatch.sw_string() }}) as monitor, cast(null as {{ shiftwatch.sw_string() }}) as role,
    cast(null as {{ shiftwatch.sw_string() }}) as column_name, cast(null as {{ shiftwatch.sw_timestamp() }}) as window_start,
    {%- if by %} cast(null as {{ shiftwatch.sw_string() }}) as {{ by }},{% endif %}
    {%- if moments %}
    cast(null as {{ shiftwatch.sw_timestamp() }}) as window_end, cast(null as bigint) as n, cast(null as bigint) as n_values,
    cast(null as {{ dbl }}) as min_value, cast(null as {{ dbl }}) as max_value, cast(null as {{ dbl }}) as center,
    {%- for s in sums %} cast(null as {{ dbl }}) as {{ s }},{% endfor %}
    {%- endif %}
    cast(null as bigint) as n_distinct
    {%- for p in percents %}, cast(null as {{ dbl }}) as p{{ '%02d' % p }}{% endfor %}
  where 1 = 0
  {%- else %}
  select monitor, role, column_name, {{ part }},
    {%- if moments %} window_end, n, cnt as n_values, min_value, max_value, center, s1, s2, s3, s4,{% endif %}
    n_distinct
    {%- for p in percents %},
    {{ shiftwatch.sw_interpolated('lo' ~ p, 'hi' ~ p, 'cnt', p) }} as p{{ '%02d' % p }}
    {%- endfor %}
  from (
    {%- for monitor, role, column in columns %}
    select {{ shiftwatch.sw_literal(monitor) }} as monitor, {{ shiftwatch.sw_literal(role) }} as role,
      {{ shiftwatch.sw_literal(column) }} as column_name, {{ part }}, max(cnt) as cnt, sum(is_new) as n_distinct
      {%- if moments %},
      {{ shiftwatch.sw_moment_aggregates() }}
      {%- endif %}
      {%- for p in percents %},
      max(case when rn = {{ shiftwatch.sw_order_statistic('cnt', p, 'floor') }} then value end) as lo{{ p }},
      max(case when rn = {{ shiftwatch.sw_order_statistic('cnt', p, 'ceil') }} then value end) as hi{{ p }}
      {%- endfor %}
    from (
      select {{ part }}, value,
        {%- if moments %} window_end, avg(value) over (partition by {{ part }}) as center,{% endif %}
        row_number() over (partition by {{ part }} order by value nulls last) as rn,
        count(value) over (partition by {{ part }}) as cnt,
        case when value is null then 0
             when value = lag(value) over (partition by {{ part }} order by value nulls last) then 0 else 1 end as is_new
      from {{ values_relation }} as v
      where {{ shiftwatch.sw_series_rows('v', (monitor, role, column)) }} and {{ where }}
        {%- if not moments %} and v.value is not null{% endif %}
    ) as ranked
    group by {{ part }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
  ) as picked
  {%- endif %}
{% endmacro %}

{% macro duckdb__sw_window_value_stats(values_relation, where, columns, percents, by=none, moments=false) %}
  {%- if not columns %}{{ return(shiftwatch.default__sw_window_value_stats(values_relation, where, columns, percents, by, moments)) }}{% endif -%}
  {%- set part = 'window_start' ~ (', ' ~ by if by else '') -%}
  {%- for monitor, role, column in columns %}
  select {{ shiftwatch.sw_literal(monitor) }} as monitor, {{ shiftwatch.sw_literal(role) }} as role,
    {{ shiftwatch.sw_literal(column) }} as column_name, {{ part }},
    {%- if moments %}
    count(value) as n_values, {{ shiftwatch.sw_moment_aggregates() }},
    {%- endif %}
    count(distinct value) as n_distinct
    {%- for p in percents %},
    any_value(quantiles)[{{ loop.index }}] as p{{ '%02d' % p }}
    {%- endfor %}
  from (
    select {{ part }}, value,
      {%- if moments %} window_end, avg(value) over (partition by {{ part }}) as center,{% endif %}
      quantile_cont(value, [{% for p in percents %}{{ p / 100 }}{{ ', ' if not loop.last }}{% endfor %}]) over (partition by {{ part }}) as quantiles
    from {{ values_relation }} as v
    where {{ shiftwatch.sw_series_rows('v', (monitor, role, column)) }} and {{ where }}
      {%- if not moments %} and v.value is not null{% endif %}
  ) as windowed
  group by {{ part }}
  {{ 'union all' if not loop.last }}
  {%- endfor %}
{% endmacro %}

{#- The `moments` aggregates over one column's rows of a window, whose mean is `center`. -#}
{% macro sw_moment_aggregates() -%}
  max(window_end) as window_end, count(*) as n,
      min(value) as min_value, max(value) as max_value, max(center) as center,
      sum(value - center) as s1,
      sum((value - center) * (value - center)) as s2,
      sum((value - center) * (value - center) * (value - center)) as s3,
      sum((value - center) * (value - center) * (value - center) * (value - center)) as s4
{%- endmacro %}

{#- The two order statistics (1-based ranks) that the p-th percentile of `cnt` values lies
    between, h = (cnt - 1) p / 100: floor(h) + 1 (`side` 'floor') and ceil(h) + 1 ('ceil');
    and the percentile interpolated between their values `lo` and `hi`. One definition for
    every path that computes a quantile (here and models/windows/reference_bin_edges.sql),
    so they agree to the bit. -#}
{% macro sw_order_statistic(cnt, p, side) -%}
  {{ side }}(cast({{ cnt }} - 1 as {{ shiftwatch.sw_double() }}) * {{ p / 100 }}) + 1
{%- endmacro %}

{% macro sw_interpolated(lo, hi, cnt, p) -%}
  {%- set h = 'cast(' ~ cnt ~ ' - 1 as ' ~ shiftwatch.sw_double() ~ ') * ' ~ (p / 100) -%}
  {{ lo }} + ({{ h }} - floor({{ h }})) * ({{ hi }} - {{ lo }})
{%- endmacro %}
