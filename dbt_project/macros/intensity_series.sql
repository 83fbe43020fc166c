{# An intensity-like indicator (numerator / denominator, e.g. energy / GDP at comparable
   prices) as a series whose ratio of two values is the cut between them (docs/METHODS.md).

   Input columns: region_code, indicator, year, quarter (0 = the year; 1–3 = January to that
   quarter, cumulative), period, period_type, period_end, numerator, denominator, _delivered_at.

   Yearly rows: level = numerator / denominator, cut_yoy = 1 − level(t) / level(t−1).
   Quarterly rows: cut_yoy = r(t, q), the year-on-year cut of the January-to-q ratio, and
   level = level(t−1) × (1 − r(t, q)): the year in progress estimated from the previous year, so
   that 1 − level(t·q) / level(b) = 1 − (1 − R(b, t−1)) × (1 − r(t, q)). is_estimate marks them.
   Levels and cuts are rounded to 12 decimals: far below any published precision, and enough
   to keep floating-point noise out of comparisons. #}
{% macro intensity_series(relation) %}
{#- continues the model's WITH: the model defines `relation` as its first CTE -#}
, ratios as (
    select *,
        numerator / nullif(denominator, 0) as ratio,
        year - lag(year) over same_period = 1 as follows_previous,
        lag(numerator / nullif(denominator, 0)) over same_period as ratio_previous_year
    from {{ relation }}
    window same_period as (partition by region_code, indicator, quarter order by year)
),

with_cut as (
    select *, case when follows_previous then 1 - ratio / ratio_previous_year end as cut_yoy
    from ratios
),

yearly as (
    select * from with_cut where quarter = 0
),

quarterly as (
    -- a quarter's level: the previous year's level, cut by the quarter's year-on-year cut
    select with_cut.*, yearly.ratio * (1 - with_cut.cut_yoy) as estimated_level,
        greatest(with_cut._delivered_at, yearly._delivered_at) as delivered_at
    from with_cut
    join yearly
        on yearly.region_code = with_cut.region_code and yearly.indicator = with_cut.indicator
        and yearly.year = with_cut.year - 1
    where with_cut.quarter > 0 and with_cut.cut_yoy is not null  -- no same period a year before: no estimate
)

select region_code, indicator, period, period_type, period_end, year, quarter,
    numerator, denominator, round(ratio, 12) as level, round(cut_yoy, 12) as cut_yoy,
    false as is_estimate, _delivered_at as delivered_at
from yearly
union all
select region_code, indicator, period, period_type, period_end, year, quarter,
    numerator, denominator, round(estimated_level, 12) as level, round(cut_yoy, 12) as cut_yoy,
    true as is_estimate, delivered_at
from quarterly
{% endmacro %}
