-- 各市主要经济与能源指标 — City economic and energy indicators: one row per region (province row and the 14 cities) × period (year, or quarter cumulative from January), the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'stats_city_indicators', ['region_code', 'period'] %}
-- and staging.stats_city_indicators_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    *,
    {{ period_type('period') }} as period_type,
    cast(left(period, 4) as integer) as year,
    {{ period_end('period') }} as period_end
from latest
