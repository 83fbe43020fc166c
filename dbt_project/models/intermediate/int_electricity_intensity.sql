-- Electricity intensity (单位地区生产总值电耗): electricity consumption / GDP at comparable
-- prices (亿千瓦时 / 亿元 = kWh per yuan), yearly, with the year-on-year cut and the within-year
-- estimate, the same method as energy intensity (macro intensity_series). A column of the
-- bureau's city bulletin (各市万元地区生产总值能耗等指标公报).
with inputs as (
    select g.region_code, 'electricity_intensity' as indicator, g.year, g.quarter, g.period,
        g.period_type, g.period_end, s.electricity as numerator, g.gdp_comparable as denominator,
        g._delivered_at
    from {{ ref('int_gdp_comparable') }} as g
    join {{ ref('stg_stats_city_indicators') }} as s using (region_code, period)
)

{{ intensity_series('inputs') }}
