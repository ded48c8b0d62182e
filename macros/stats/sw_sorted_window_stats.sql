{#- sw_sorted_window_stats(values_relation, where, columns, percents, by=none): exact quantiles (numpy's
    'linear' method: h = (n - 1) q, x[floor h] + (h - floor h) (x[ceil h] - x[floor h]))
    and the number of distinct values, per monitor × role × column × window, for every
    (monitor, role, column) in `columns`. One branch per column sorts that column's
    non-null values within each window: sorts spill to disk under a memory limit, so this
    is bounded where a quantile aggregate over all columns at once holds every value in
    memory (docs/windows.md, "Memory"). `values_relation` has monitor, role, column_name,
    window_start and value; `where` filters it (alias v). `by` names one more column of
    it to split each window by (a model version). Output columns: monitor, role,
    column_name, window_start, [by,] n_distinct, p<NN> for each percent. Portable SQL. -#}
{% macro sw_sorted_window_stats(values_relation, where, columns, percents, by=none) %}{{ return(adapter.dispatch('sw_sorted_window_stats', 'shiftwatch')(values_relation, where, columns, percents, by)) }}{% endmacro %}

{% macro default__sw_sorted_window_stats(values_relation, where, columns, percents, by=none) %}
  {%- set part = 'window_start' ~ (', ' ~ by if by else '') -%}
  {%- set dbl = shiftwatch.sw_double() -%}
  {%- if not columns %}
  select cast(null as {{ shiftwatch.sw_string() }}) as monitor, cast(null as {{ shiftwatch.sw_string() }}) as role,
    cast(null as {{ shiftwatch.sw_string() }}) as column_name, cast(null as {{ shiftwatch.sw_timestamp() }}) as window_start,
    {%- if by %} cast(null as {{ shiftwatch.sw_string() }}) as {{ by }},{% endif %}
    cast(null as bigint) as n_distinct
    {%- for p in percents %}, cast(null as {{ dbl }}) as p{{ '%02d' % p }}{% endfor %}
  where 1 = 0
  {%- else %}
  select monitor, role, column_name, {{ part }}, n_distinct
    {%- for p in percents %},
    lo{{ p }} + (cast(cnt - 1 as {{ dbl }}) * {{ p / 100 }} - floor(cast(cnt - 1 as {{ dbl }}) * {{ p / 100 }})) * (hi{{ p }} - lo{{ p }}) as p{{ '%02d' % p }}
    {%- endfor %}
  from (
    {%- for monitor, role, column in columns %}
    select monitor, role, column_name, {{ part }}, max(cnt) as cnt, sum(is_new) as n_distinct
      {%- for p in percents %},
      max(case when rn = floor(cast(cnt - 1 as {{ dbl }}) * {{ p / 100 }}) + 1 then value end) as lo{{ p }},
      max(case when rn = ceil(cast(cnt - 1 as {{ dbl }}) * {{ p / 100 }}) + 1 then value end) as hi{{ p }}
      {%- endfor %}
    from (
      select monitor, role, column_name, {{ part }}, value,
        row_number() over (partition by {{ part }} order by value) as rn,
        count(*) over (partition by {{ part }}) as cnt,
        case when value = lag(value) over (partition by {{ part }} order by value) then 0 else 1 end as is_new
      from {{ values_relation }} as v
      where {{ shiftwatch.sw_series_rows('v', (monitor, role, column)) }} and v.value is not null and {{ where }}
    ) as ranked
    group by monitor, role, column_name, {{ part }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
  ) as picked
  {%- endif %}
{% endmacro %}
