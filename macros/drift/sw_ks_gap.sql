{#- sw_ks_gap(f_le): the aggregate that turns counts into the KS statistic D of one window
    against its reference, over the window's own values x:
    max(|F_w(x) - F_ref(x)|, |F_w(x-) - F_ref(x-)|), with F_w(x) = `f_le` (win_le / n_current,
    as a double), F_w(x-) = win_lt / n_current, F_ref(x) = r_le / n_reference and
    F_ref(x-) = r_lt / n_reference (docs/statistics.md). NULL when the reference is empty
    (nullif keeps PostgreSQL from raising on the division, which it evaluates for every row
    before the CASE). Every path that computes D (full build, nightly ECDF lookups,
    relative references) uses this expression on the same exact counts, so a window's D is
    the same double whichever path computed it. -#}
{% macro sw_ks_gap(f_le=none) %}
  {%- set f_le = f_le or 'cast(win_le as ' ~ shiftwatch.sw_double() ~ ') / n_current' %}
  case when max(n_reference) > 0 then max(greatest(
    abs({{ f_le }} - cast(r_le as {{ shiftwatch.sw_double() }}) / nullif(n_reference, 0)),
    abs(cast(win_lt as {{ shiftwatch.sw_double() }}) / n_current - cast(r_lt as {{ shiftwatch.sw_double() }}) / nullif(n_reference, 0))
  )) end
{%- endmacro %}
