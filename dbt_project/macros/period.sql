{# Canonical periods (sources/read.py): 2014 · 2014Q3 (January to the end of Q3) · 2014-07 ·
   2014-07-31. These give a period's type, year and last day. #}
{% macro period_type(p) -%}
    case when length({{ p }}) = 4 then 'year' when {{ p }} like '%Q%' then 'quarter'
         when length({{ p }}) = 7 then 'month' else 'date' end
{%- endmacro %}

{% macro period_end(p) -%}
    case when length({{ p }}) = 4 then make_date(cast({{ p }} as integer), 12, 31)
         when {{ p }} like '%Q%' then last_day(make_date(cast(left({{ p }}, 4) as integer),
                                                         3 * cast(right({{ p }}, 1) as integer), 1))
         when length({{ p }}) = 7 then last_day(cast({{ p }} || '-01' as date))
         else cast({{ p }} as date) end
{%- endmacro %}
