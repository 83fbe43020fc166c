{# Canonical periods (sources/read.py, docs/FORMATS.md): 2014 · 2014Q3 (January to the end of Q3)
   · 2014-Q3 (the third quarter alone) · 2014-H2 · 2014-07 · 2014-07-31. Their types are the
   seed period_types, the one definition the loader reads too: a period's type is the one whose
   pattern it matches in full. #}
{% macro period_type(p) -%}
    (select period_types.period_type from {{ ref('period_types') }} as period_types
     where {{ full_match(p, 'period_types.pattern') }})
{%- endmacro %}

{# The last day of a period, by its type. #}
{% macro period_end(p) -%}
    case {{ period_type(p) }}
        when 'year' then make_date(cast({{ p }} as integer), 12, 31)
        when 'quarter' then last_day(make_date(cast(left({{ p }}, 4) as integer), 3 * cast(right({{ p }}, 1) as integer), 1))
        when 'single_quarter' then last_day(make_date(cast(left({{ p }}, 4) as integer), 3 * cast(right({{ p }}, 1) as integer), 1))
        when 'half_year' then make_date(cast(left({{ p }}, 4) as integer), 12, 31)
        when 'month' then last_day(cast({{ p }} || '-01' as date))
        when 'date' then cast({{ p }} as date)
    end
{%- endmacro %}
