{#- The exclusive end of the window that starts at `window_start`. -#}
{% macro sw_window_end(window_start, window) %}
  {{ return(shiftwatch.sw_dateadd(window['every_unit'], window['every_n'], window_start)) }}
{% endmacro %}
