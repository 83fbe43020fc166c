-- Counties whose yearly energy use reaches 300 (万吨标准煤) are flagged for key management
-- (clause 二十六), where county data exist.
select s.region_code, s.year, s.energy_total, s.energy_total >= 300 as key_management,
    s._delivered_at as delivered_at
from {{ ref('stg_stats_city_indicators') }} as s
join {{ ref('regions') }} as r on r.code = s.region_code and r.level = 'county'
where s.period_type = 'year' and s.energy_total is not null
