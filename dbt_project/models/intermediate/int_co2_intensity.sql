-- CO2 from fossil fuels and CO2 intensity (METHODS.md): CO2 = coal × 1.9003 + oil × 3.0202 +
-- gas × 21.622, factors from the emission_factors seed; with coal and oil in 万吨 and gas in
-- 亿立方米 this is 万吨 CO2. A missing fuel makes the total NULL rather than too low.
-- Intensity = CO2 / GDP at comparable prices (t CO2 per 10k yuan).
with factors as (
    select
        max(factor) filter (where fuel = 'coal') as coal,
        max(factor) filter (where fuel = 'oil') as oil,
        max(factor) filter (where fuel = 'gas') as gas
    from {{ ref('emission_factors') }}
),

inputs as (
    select g.region_code, 'co2_intensity' as indicator, g.year, g.quarter, g.period,
        g.period_type, g.period_end,
        s.coal * f.coal + s.oil * f.oil + s.gas * f.gas as numerator,
        g.gdp_comparable as denominator,
        g._delivered_at
    from {{ ref('int_gdp_comparable') }} as g
    join {{ ref('stg_stats_city_indicators') }} as s using (region_code, period)
    cross join factors as f
)

{{ intensity_series('inputs') }}
