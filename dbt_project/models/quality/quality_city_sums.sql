-- Reconciliation of parts with totals: the sum of the 14 cities against the province's own
-- row, for GDP, energy use and each pollutant, per year. Both figures are kept and the gap
-- reported (real statistics rarely add up exactly); the tolerance (quality_tolerances seed)
-- decides what counts as consistent, and a Great Expectations suite bounds within_tolerance.
with cities as (
    select code from {{ ref('regions') }} where level = 'city'
),

figures as (
    select region_code, cast(year as varchar) as period, 'gdp_current' as indicator, gdp_current as value
    from {{ ref('stg_stats_city_indicators') }} where period_type = 'year'
    union all
    select region_code, cast(year as varchar), 'energy_total', energy_total
    from {{ ref('stg_stats_city_indicators') }} where period_type = 'year'
    union all
    select region_code, cast(year as varchar), indicator, tonnes
    from {{ ref('stg_env_pollutant_totals') }}
    unpivot (tonnes for indicator in (cod, nh3n, so2, nox))
),

compared as (
    select indicator, period,
        max(value) filter (where region_code = '210000') as province_value,
        sum(value) filter (where region_code in (select code from cities)) as city_sum,
        count(value) filter (where region_code in (select code from cities)) as cities_reporting
    from figures
    group by all
)

select c.indicator, c.period, c.province_value, c.city_sum, c.cities_reporting,
    c.city_sum - c.province_value as gap,
    (c.city_sum - c.province_value) / nullif(c.province_value, 0) as relative_gap,
    t.tolerance,
    abs((c.city_sum - c.province_value) / nullif(c.province_value, 0)) <= t.tolerance as within_tolerance
from compared as c
join {{ ref('quality_tolerances') }} as t
    on t.check_name = 'city_sum_vs_province' and t.indicator = c.indicator
where c.province_value is not null and c.cities_reporting = 14  -- incomplete years: see quality_completeness
