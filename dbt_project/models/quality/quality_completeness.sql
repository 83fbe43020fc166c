-- Completeness: for every period an office delivered city figures for, every one of the 14
-- cities is there. missing_cities lists the absent ones.
with cities as (
    select code, name_zh from {{ ref('regions') }} where level = 'city'
),

delivered as (
    select 'stats_city_indicators' as extract, period, region_code from {{ ref('stg_stats_city_indicators') }}
    union all select 'env_pollutant_totals', cast(year as {{ text_type() }}), region_code from {{ ref('stg_env_pollutant_totals') }}
    union all select 'stats_power_capacity', cast(year as {{ text_type() }}), region_code from {{ ref('stg_stats_power_capacity') }}
    union all select 'env_disclosure', period, region_code from {{ ref('stg_env_disclosure') }}
    union all select 'transport_vehicle_retirements', period, region_code from {{ ref('stg_transport_vehicle_retirements') }}
    union all select 'env_sewer_coverage', cast(year as {{ text_type() }}), region_code from {{ ref('stg_env_sewer_coverage') }}
),

periods as (
    select distinct d.extract, d.period from delivered as d join cities as c on c.code = d.region_code
)

select p.extract, p.period,
    count(d.region_code) as cities_delivered,
    {{ ordered_list('c.name_zh', 'c.code', 'd.region_code is null') }} as missing_cities
from periods as p
cross join cities as c
left join delivered as d on d.extract = p.extract and d.period = p.period and d.region_code = c.code
group by all
