-- Industrial energy intensity: energy use of industry above designated size / its value added
-- at comparable prices (chained from the industrial value-added index).
with gdp_comparable as (
    select * from {{ ref('int_gdp_comparable') }}
),

city_indicators as (
    select * from {{ ref('stg_stats_city_indicators') }}
),

inputs as (
    select gdp_comparable.region_code, 'industrial_energy_intensity' as indicator, gdp_comparable.year,
        gdp_comparable.quarter, gdp_comparable.period, gdp_comparable.period_type, gdp_comparable.period_end,
        city_indicators.industrial_energy as numerator,
        gdp_comparable.industrial_va_comparable as denominator, gdp_comparable._delivered_at
    from gdp_comparable
    join city_indicators using (region_code, period)
)

{{ intensity_series('inputs') }}
