-- Coal and gas consumption (for their average annual growth) and the shares of services and
-- strategic emerging industries in GDP at current prices (percent), per region and year.
with yearly as (
    select * from {{ ref('stg_stats_city_indicators') }} where period_type = 'year'
)

select region_code, 'coal_use' as indicator, period, period_type, period_end, coal as value,
    '万吨' as unit, _delivered_at as delivered_at
from yearly where coal is not null
union all
select region_code, 'gas_use', period, period_type, period_end, gas, '亿立方米', _delivered_at
from yearly where gas is not null
union all
select region_code, 'services_share', period, period_type, period_end,
    100 * services_va / nullif(gdp_current, 0), '%', _delivered_at
from yearly where services_va is not null and gdp_current is not null
union all
select region_code, 'strategic_emerging_share', period, period_type, period_end,
    100 * strategic_emerging_va / nullif(gdp_current, 0), '%', _delivered_at
from yearly where strategic_emerging_va is not null and gdp_current is not null
