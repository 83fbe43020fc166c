-- CO2 from fossil fuels and CO2 intensity (docs/METHODS.md): CO2 = coal × 1.9003 + oil × 3.0202 +
-- gas × 21.622, factors from the emission_factors seed; with coal and oil in 万吨 and gas in
-- 亿立方米 this is 万吨 CO2. A missing fuel makes the total NULL rather than too low.
-- Intensity = CO2 / GDP at comparable prices (t CO2 per 10k yuan).
with gdp_comparable as (
    select * from {{ ref('int_gdp_comparable') }}
),

city_indicators as (
    select * from {{ ref('stg_stats_city_indicators') }}
),

emission_factors as (
    select * from {{ ref('emission_factors') }}
),

factors as (
    select
        max(factor) filter (where fuel = 'coal') as coal,
        max(factor) filter (where fuel = 'oil') as oil,
        max(factor) filter (where fuel = 'gas') as gas
    from emission_factors
),

inputs as (
    select gdp_comparable.region_code, 'co2_intensity' as indicator, gdp_comparable.year,
        gdp_comparable.quarter, gdp_comparable.period, gdp_comparable.period_type, gdp_comparable.period_end,
        city_indicators.coal * factors.coal + city_indicators.oil * factors.oil
            + city_indicators.gas * factors.gas as numerator,
        gdp_comparable.gdp_comparable as denominator,
        gdp_comparable._delivered_at
    from gdp_comparable
    join city_indicators using (region_code, period)
    cross join factors
)

{{ intensity_series('inputs') }}
