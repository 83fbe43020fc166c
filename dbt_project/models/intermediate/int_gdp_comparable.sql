-- GDP and industrial value added at comparable prices, chained from the bureau's indices
-- (METHODS.md): G(first) = the value at current prices, G(t) = G(t−1) × index(t) / 100, in the
-- prices of the series' first year (price_year). Yearly rows chain year to year; quarterly-
-- cumulative rows (January to Q1, Q2, Q3) chain with the same period of the previous year. Any
-- base b follows as G_b(t) = current(b) × G(t) / G(b). A gap or a missing index leaves every
-- later value NULL: a figure is never invented.
with source as (
    select region_code, period, period_type, period_end, year,
        case when period_type = 'quarter' then cast(right(period, 1) as integer) else 0 end as quarter,
        gdp_current, gdp_index, industrial_va, industrial_va_index, _delivered_at
    from {{ ref('stg_stats_city_indicators') }}
    where period_type in ('year', 'quarter')
),

steps as (
    select *,
        coalesce(year - lag(year) over series = 1, false) as follows_previous,
        min(year) over (partition by region_code, quarter) as first_year,
        first_value(gdp_current) over series as first_gdp,
        first_value(industrial_va) over series as first_industrial_va
    from source
    window series as (partition by region_code, quarter order by year)
),

chained as (
    select *,
        bool_and(year = first_year or (follows_previous and gdp_index is not null)) over upto as gdp_chain_ok,
        bool_and(year = first_year or (follows_previous and industrial_va_index is not null)) over upto as industrial_chain_ok,
        product(case when year = first_year then 1 else gdp_index / 100 end) over upto as gdp_chain,
        product(case when year = first_year then 1 else industrial_va_index / 100 end) over upto as industrial_chain
    from steps
    window upto as (partition by region_code, quarter order by year rows between unbounded preceding and current row)
)

select
    region_code, period, period_type, period_end, year, quarter,
    first_year as price_year,
    gdp_current,
    gdp_index,
    round(case when gdp_chain_ok then first_gdp * gdp_chain end, 6) as gdp_comparable,
    industrial_va,
    industrial_va_index,
    round(case when industrial_chain_ok then first_industrial_va * industrial_chain end, 6) as industrial_va_comparable,
    _delivered_at
from chained
