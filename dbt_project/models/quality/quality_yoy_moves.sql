-- Year-on-year moves of yearly figures, per region; the quality_tolerances seed sets how large
-- a move may be for each indicator before it is flagged (a warning: real figures can jump).
with figures as (
    select region_code, year, 'gdp_current' as indicator, gdp_current as value
    from {{ ref('stg_stats_city_indicators') }} where period_type = 'year'
    union all select region_code, year, 'energy_total', energy_total
    from {{ ref('stg_stats_city_indicators') }} where period_type = 'year'
    union all select region_code, year, 'coal', coal
    from {{ ref('stg_stats_city_indicators') }} where period_type = 'year'
    union all
    select region_code, year, indicator, tonnes
    from {{ ref('stg_env_pollutant_totals') }}
    unpivot (tonnes for indicator in (cod, nh3n, so2, nox))
),

moves as (
    select region_code, indicator, year, value,
        lag(value) over (partition by region_code, indicator order by year) as previous_value,
        lag(year) over (partition by region_code, indicator order by year) as previous_year
    from figures where value is not null
)

select m.region_code, m.indicator, m.year, m.previous_value, m.value,
    m.value / nullif(m.previous_value, 0) - 1 as relative_change,
    t.tolerance,
    abs(m.value / nullif(m.previous_value, 0) - 1) <= t.tolerance as within_tolerance
from moves as m
join {{ ref('quality_tolerances') }} as t on t.check_name = 'yoy_move' and t.indicator = m.indicator
where m.previous_year = m.year - 1
