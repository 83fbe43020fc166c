-- Industrial energy intensity: energy use of industry above designated size / its value added
-- at comparable prices (chained from the industrial value-added index).
with inputs as (
    select g.region_code, 'industrial_energy_intensity' as indicator, g.year, g.quarter, g.period,
        g.period_type, g.period_end, s.industrial_energy as numerator,
        g.industrial_va_comparable as denominator, g._delivered_at
    from {{ ref('int_gdp_comparable') }} as g
    join {{ ref('stg_stats_city_indicators') }} as s using (region_code, period)
)

{{ intensity_series('inputs') }}
