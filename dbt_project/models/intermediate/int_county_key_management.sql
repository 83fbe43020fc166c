-- Counties whose yearly energy use reaches 300 (万吨标准煤) are flagged for key management
-- (clause 二十六), where county data exist.
with city_indicators as (
    select * from {{ ref('stg_stats_city_indicators') }}
),

counties as (
    select code as region_code from {{ ref('regions') }} where level = 'county'
)

select city_indicators.region_code, city_indicators.year, city_indicators.energy_total,
    city_indicators.energy_total >= 300 as key_management,
    city_indicators._delivered_at as delivered_at
from city_indicators
join counties using (region_code)
where city_indicators.period_type = 'year' and city_indicators.energy_total is not null
