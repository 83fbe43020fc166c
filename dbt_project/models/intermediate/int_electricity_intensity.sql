-- Electricity intensity (单位地区生产总值电耗): electricity consumption / GDP at comparable
-- prices (亿千瓦时 / 亿元 = kWh per yuan), yearly, with the year-on-year cut and the within-year
-- estimate, the same method as energy intensity (macro intensity_series). A column of the
-- bureau's city bulletin (各市万元地区生产总值能耗等指标公报).
with gdp_comparable as (
    select * from {{ ref('int_gdp_comparable') }}
),

city_indicators as (
    select * from {{ ref('stg_stats_city_indicators') }}
),

inputs as (
    select gdp_comparable.region_code, 'electricity_intensity' as indicator, gdp_comparable.year,
        gdp_comparable.quarter, gdp_comparable.period, gdp_comparable.period_type, gdp_comparable.period_end,
        city_indicators.electricity as numerator, gdp_comparable.gdp_comparable as denominator,
        gdp_comparable._delivered_at
    from gdp_comparable
    join city_indicators using (region_code, period)
)

{{ intensity_series('inputs') }}
