-- Total emissions of the four main pollutants (t). The cut from b to t is 1 − P(t) / P(b).
with inputs as (
    select region_code, indicator, year, 0 as quarter, cast(year as varchar) as period,
        'year' as period_type, make_date(year, 12, 31) as period_end,
        tonnes as numerator, 1.0 as denominator, _delivered_at
    from {{ ref('stg_env_pollutant_totals') }}
    unpivot (tonnes for indicator in (cod as 'cod_emissions', nh3n as 'nh3n_emissions',
                                      so2 as 'so2_emissions', nox as 'nox_emissions'))
)

{{ intensity_series('inputs') }}
