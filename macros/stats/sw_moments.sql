{#- Moments from sums of powers, one definition on every engine (docs/statistics.md):
    stddev is the sample one (n - 1); skewness g1 = m3 / m2^1.5 and excess kurtosis
    g2 = m4 / m2^2 - 3 are the population (biased) ones, as scipy.stats.skew/kurtosis
    with bias=True. Inputs are the aggregates n, s1..s4 of the non-null values minus
    `shift` (the window's own mean, so the sums do not cancel: variance, skewness and
    kurtosis do not depend on the shift, and the mean adds it back). -#}
{% macro sw_moments(n, s1, s2, s3, s4, shift='0') %}
  {%- set mean = '(' ~ s1 ~ ' / nullif(' ~ n ~ ', 0))' -%}
  {%- set m2 = '(' ~ s2 ~ ' / nullif(' ~ n ~ ', 0) - ' ~ mean ~ ' * ' ~ mean ~ ')' -%}
  {%- set m3 = '(' ~ s3 ~ ' / nullif(' ~ n ~ ', 0) - 3 * ' ~ mean ~ ' * ' ~ s2 ~ ' / nullif(' ~ n ~ ', 0) + 2 * ' ~ mean ~ ' * ' ~ mean ~ ' * ' ~ mean ~ ')' -%}
  {%- set m4 = '(' ~ s4 ~ ' / nullif(' ~ n ~ ', 0) - 4 * ' ~ mean ~ ' * ' ~ s3 ~ ' / nullif(' ~ n ~ ', 0) + 6 * ' ~ mean ~ ' * ' ~ mean ~ ' * ' ~ s2 ~ ' / nullif(' ~ n ~ ', 0) - 3 * ' ~ mean ~ ' * ' ~ mean ~ ' * ' ~ mean ~ ' * ' ~ mean ~ ')' -%}
  {{ shift }} + {{ mean }} as mean,
  case when {{ n }} > 1 and {{ m2 }} > 0 then sqrt({{ m2 }} * {{ n }} / ({{ n }} - 1)) when {{ n }} > 1 then 0 end as stddev,
  case when {{ m2 }} > 0 then {{ m3 }} / ({{ m2 }} * sqrt({{ m2 }})) end as skewness,
  case when {{ m2 }} > 0 then {{ m4 }} / ({{ m2 }} * {{ m2 }}) - 3 end as kurtosis
{% endmacro %}
