-- 各市主要经济与能源指标 — City economic and energy indicators: one row per region (province row and the 14 cities) × period (year, or quarter cumulative from January), the newest delivery of each key.
with latest as (
    {{ latest_delivery('stats_city_indicators', ['region_code', 'period']) }}
)

select
    *,
    {{ period_type('period') }} as period_type,
    cast(left(period, 4) as integer) as year,
    {{ period_end('period') }} as period_end
from latest
