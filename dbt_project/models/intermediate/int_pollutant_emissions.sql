-- Total emissions of the four main pollutants (t). The cut from b to t is 1 − P(t) / P(b).
with inputs as (
    select region_code, pollutant || '_emissions' as indicator, year, 0 as quarter, cast(year as {{ text_type() }}) as period,
        'year' as period_type, make_date(year, 12, 31) as period_end,
        tonnes as numerator, 1.0 as denominator, _delivered_at
    from {{ ref('stg_env_pollutant_totals') }}
    unpivot (tonnes for pollutant in (cod, nh3n, so2, nox))
)

{{ intensity_series('inputs') }}
