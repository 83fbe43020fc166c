-- Energy intensity: energy use / GDP at comparable prices of 2013 (万吨标准煤 / 亿元 = tce per 10k
-- yuan), yearly, with the year-on-year cut and, for a year in progress, the within-year
-- estimate from quarterly-cumulative data (macro intensity_series).
with gdp_comparable as (
    select * from {{ ref('int_gdp_comparable') }}
),

city_indicators as (
    select * from {{ ref('stg_stats_city_indicators') }}
),

inputs as (
    select gdp_comparable.region_code, 'energy_intensity' as indicator, gdp_comparable.year,
        gdp_comparable.quarter, gdp_comparable.period, gdp_comparable.period_type, gdp_comparable.period_end,
        city_indicators.energy_total as numerator, gdp_comparable.gdp_comparable as denominator,
        gdp_comparable._delivered_at
    from gdp_comparable
    join city_indicators using (region_code, period)
)

{{ intensity_series('inputs') }}
