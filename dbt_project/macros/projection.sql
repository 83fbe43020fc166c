{#- The projection's way back from its pace space x to the target's own measure
    (models/marts/target_projection.sql, docs/METHODS.md "Projection to the deadline"). Both read
    the columns space, base_value, kind, unit and years_total of the row. -#}

{% macro projection_value(x) -%}
{#- x at the deadline → the figure it lands on: a level or an amount (a share kept within
    0–100 %), a cut in %, or the average annual rate over the years_total years since the base -#}
case space
    -- (greatest and least skip a NULL: the first branch keeps a missing x missing)
    when 'linear' then case when {{ x }} is null then null
                            when kind = 'level' and unit like 'pct%'
                            then greatest(0, least(100, base_value + {{ x }}))
                            else base_value + {{ x }} end
    when 'compound' then 100 * (1 - exp({{ x }}))
    when 'rate_cut' then 100 * (1 - exp({{ x }} / years_total))
    when 'rate_growth' then 100 * (exp({{ x }} / years_total) - 1)
end
{%- endmacro %}

{% macro projection_pace(dx) -%}
{#- a step of x over a period → that period's amount (linear) or its rate in % (a cut compounds:
    1 − e^dx; a growth: e^dx − 1) -#}
case space
    when 'linear' then {{ dx }}
    when 'compound' then 100 * (1 - exp({{ dx }}))
    when 'rate_cut' then 100 * (1 - exp({{ dx }}))
    when 'rate_growth' then 100 * (exp({{ dx }}) - 1)
end
{%- endmacro %}

{% macro projection_meets(value) -%}
{#- whether a value at the deadline meets the target by the rule the status uses (a 左右 target at
    the plan's precision); NULL without a value. Reads comparator, about_precision, target_value. -#}
case
    when {{ value }} is null then null
    when comparator = '>=' then {{ round_to(value, 'coalesce(about_precision, 6)') }} >= target_value
    when comparator = '>' then {{ round_to(value, 'coalesce(about_precision, 6)') }} > target_value
    when comparator = '<=' then round({{ value }}, 6) <= target_value
end
{%- endmacro %}

{% macro warned_by_label(warned_by) -%}
{#- why a row is among the early warnings, in words (early_warning, bulletin_warnings): its status
    (yellow or red), or its projection (a green target that misses at the pace so far) -#}
case {{ warned_by }}
    when 'status' then '按状态预警（黄色或红色）warned by its status: yellow or red'
    when 'projection' then '按当前进度预计无法达标 projection: misses at this pace (the status stays green)'
end
{%- endmacro %}
