-- 各市主要经济与能源指标 — City economic and energy indicators: one row per region (province row and the 14 cities) × period (year, or quarter cumulative from January), the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'stats_city_indicators', ['region_code', 'period'] %}
-- and staging.stats_city_indicators_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    region_code,
    period,
    -- the measures: each the newest figure delivered
    gdp_current,
    gdp_index,
    services_va,
    strategic_emerging_va,
    industrial_va,
    industrial_va_index,
    energy_total,
    industrial_energy,
    coal,
    oil,
    gas,
    electricity,
    published_energy_intensity_cut,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values,
    -- what the period is: its type, year and last day (macros/period.sql)
    {{ period_type('period') }} as period_type,
    cast(left(period, 4) as integer) as year,
    {{ period_end('period') }} as period_end
from latest
