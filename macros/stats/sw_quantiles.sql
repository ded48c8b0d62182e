{#- sw_quantiles(relation, group_by, value, quantiles): one row per group of `relation` (a
    relation, CTE name or parenthesised query) with an exact quantile of `value` (a column
    or expression) per (name, q) in `quantiles`, by linear interpolation between the order
    statistics at (n - 1) * q (numpy's default 'linear' method), NULLs ignored. Groups with
    no non-NULL value may be missing: join the result with a left join.

    The default is the engine's own exact aggregate (sw_quantile). On Spark that aggregate
    (`percentile`) holds a whole group in memory and ran out of memory at 2g on 20M
    values, so Spark numbers each group's values with row_number(), which sorts with
    spilling, and interpolates between the two ranks around (n - 1) * q. -#}
{% macro sw_quantiles(relation, group_by, value, quantiles) %}{{ return(adapter.dispatch('sw_quantiles', 'shiftwatch')(relation, group_by, value, quantiles)) }}{% endmacro %}

{% macro default__sw_quantiles(relation, group_by, value, quantiles) %}
select {{ group_by | join(', ') }},
  {%- for name, q in quantiles %}
  {{ shiftwatch.sw_quantile(value, q) }} as {{ name }}{{ ',' if not loop.last }}
  {%- endfor %}
from {{ relation }} as sw_quantile_input
group by {{ group_by | join(', ') }}
{% endmacro %}

{% macro spark__sw_quantiles(relation, group_by, value, quantiles) %}
{%- set dbl = shiftwatch.sw_double() %}
select {{ group_by | join(', ') }},
  {%- for name, q in quantiles %}
  {%- set position = '(sw_n - 1) * cast(' ~ q ~ ' as ' ~ dbl ~ ')' %}
  {%- set below = 'max(case when sw_rank = floor(' ~ position ~ ') + 1 then sw_value end)' %}
  {%- set above = 'max(case when sw_rank = ceil(' ~ position ~ ') + 1 then sw_value end)' %}
  {{ below }} + ({{ position }} - floor({{ position }})) * ({{ above }} - {{ below }}) as {{ name }}{{ ',' if not loop.last }}
  {%- endfor %}
from (
  select {{ group_by | join(', ') }}, sw_value,
    row_number() over (partition by {{ group_by | join(', ') }} order by sw_value) as sw_rank,
    count(*) over (partition by {{ group_by | join(', ') }}) as sw_n
  from (select {{ group_by | join(', ') }}, {{ value }} as sw_value from {{ relation }} as sw_quantile_input) as sw_valued
  where sw_value is not null
) as sw_ranked
group by {{ group_by | join(', ') }}, sw_n
{% endmacro %}
