-- Energy intensity: energy use / GDP at comparable prices of 2013 (万吨标准煤 / 亿元 = tce per 10k
-- yuan), yearly, with the year-on-year cut and, for a year in progress, the within-year
-- estimate from quarterly-cumulative data (macro intensity_series).
with inputs as (
    select g.region_code, 'energy_intensity' as indicator, g.year, g.quarter, g.period,
        g.period_type, g.period_end, s.energy_total as numerator, g.gdp_comparable as denominator,
        g._delivered_at
    from {{ ref('int_gdp_comparable') }} as g
    join {{ ref('stg_stats_city_indicators') }} as s using (region_code, period)
)

{{ intensity_series('inputs') }}
