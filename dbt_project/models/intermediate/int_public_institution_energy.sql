-- Energy use of public institutions per building area (万吨标准煤 / 万平方米 = tce per m²) and
-- per person (万吨标准煤 / 万人 = tce per person).
with inputs as (
    select region_code, 'public_energy_per_area' as indicator, year, 0 as quarter,
        cast(year as {{ text_type() }}) as period, 'year' as period_type, make_date(year, 12, 31) as period_end,
        energy_use as numerator, floor_area as denominator, _delivered_at
    from {{ ref('stg_stats_public_institutions') }}
    union all
    select region_code, 'public_energy_per_capita', year, 0, cast(year as {{ text_type() }}), 'year',
        make_date(year, 12, 31), energy_use, occupants, _delivered_at
    from {{ ref('stg_stats_public_institutions') }}
)

{{ intensity_series('inputs') }}
