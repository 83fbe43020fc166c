-- Reconciliation of parts with totals: the sum of the 14 cities against the province's own
-- row, for GDP, energy use and each pollutant, per year. Both figures are kept and the gap
-- reported (real statistics rarely add up exactly); the tolerance (quality_tolerances seed)
-- decides what counts as consistent, and a Great Expectations suite bounds within_tolerance.
-- A year short of a city cannot be reconciled: it is listed (reconciled = false, the missing
-- cities named, is_base_year when a target measures from it) with no partial sum and no gap,
-- because 13 cities against the province would report a gap that is only the missing city.
with cities as (
    select code, name_zh from {{ ref('regions') }} where level = 'city'
),

figures as (
    select region_code, cast(year as {{ text_type() }}) as period, 'gdp_current' as indicator, gdp_current as value
    from {{ ref('stg_stats_city_indicators') }} where period_type = 'year'
    union all
    select region_code, cast(year as {{ text_type() }}), 'energy_total', energy_total
    from {{ ref('stg_stats_city_indicators') }} where period_type = 'year'
    union all
    select region_code, cast(year as {{ text_type() }}), indicator, tonnes
    from {{ ref('stg_env_pollutant_totals') }}
    unpivot (tonnes for indicator in (cod, nh3n, so2, nox))
),

province as (
    select indicator, period, max(value) as province_value
    from figures where region_code = '210000' and value is not null
    group by all
),

compared as (
    select p.indicator, p.period, p.province_value,
        sum(f.value) as partial_sum,
        count(f.value) as cities_reporting,
        (select count(*) from cities) as cities_expected,
        {{ ordered_list('c.name_zh', 'c.code', 'f.value is null') }} as missing_cities
    from province as p
    cross join cities as c
    left join figures as f on f.indicator = p.indicator and f.period = p.period and f.region_code = c.code
    group by all
),

base_years as (
    select distinct cast(base_year as {{ text_type() }}) as period from {{ ref('targets') }} where base_year is not null
)

select c.indicator, c.period, c.province_value,
    case when c.cities_reporting = c.cities_expected then c.partial_sum end as city_sum,
    c.cities_reporting, c.cities_expected,
    case when c.cities_reporting < c.cities_expected then c.missing_cities end as missing_cities,
    c.cities_reporting = c.cities_expected as reconciled,
    c.period in (select period from base_years) as is_base_year,
    case when c.cities_reporting = c.cities_expected then c.partial_sum - c.province_value end as gap,
    case when c.cities_reporting = c.cities_expected
         then (c.partial_sum - c.province_value) / nullif(c.province_value, 0) end as relative_gap,
    t.tolerance,
    case when c.cities_reporting = c.cities_expected
         then abs((c.partial_sum - c.province_value) / nullif(c.province_value, 0)) <= t.tolerance end as within_tolerance,
    case when c.cities_reporting < c.cities_expected then
        printf('无法核对：缺%s cannot be reconciled: %d of %d cities reported%s',
               {{ join_list('c.missing_cities', '、') }}, c.cities_reporting, c.cities_expected,
               case when c.period in (select period from base_years) then ' (a base year)' else '' end)
    end as note
from compared as c
join {{ ref('quality_tolerances') }} as t
    on t.check_name = 'city_sum_vs_province' and t.indicator = c.indicator
