-- Energy per tonne-kilometre of commercial freight trucks (万吨标准煤 / 亿吨公里).
with inputs as (
    select region_code, 'freight_energy_intensity' as indicator, year, 0 as quarter,
        cast(year as {{ text_type() }}) as period, 'year' as period_type, make_date(year, 12, 31) as period_end,
        energy_use as numerator, freight_turnover as denominator, _delivered_at
    from {{ ref('stg_transport_freight') }}
)

{{ intensity_series('inputs') }}
