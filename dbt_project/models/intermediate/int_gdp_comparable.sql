-- GDP and industrial value added at comparable prices, chained from the bureau's indices
-- (METHODS.md), all on one price base: the prices of var price_base_year (2013), so that
-- G(2013) = GDP at current prices of 2013, G(t) = G(t−1) × index(t) / 100 forward and
-- G(t−1) = G(t) / (index(t) / 100) backward. Yearly rows chain year to year; quarterly-cumulative
-- rows (January to Q1, Q2, Q3) chain with the same period of the previous year, from the same
-- period of 2013. One base for every level makes a level comparable with any other (units say
-- 亿元, 2013年价格); the cuts, ratios of two levels of one series, do not depend on it.
-- A gap or a missing index cuts the chain: values on the far side of it from 2013 stay NULL —
-- a figure is never invented. A series with no 2013 figure at all (a city's January–Q1 of 2013
-- not delivered) cannot be put on 2013 prices; it keeps the prices of its first year, as
-- price_year says, because its year-on-year ratios — all it is used for: a quarterly level is
-- never shown, the within-year estimate is the 2013-price yearly level × (1 − r) — do not depend
-- on the base. Dropping it would drop a cut the data support.
with source as (
    select region_code, period, period_type, period_end, year,
        case when period_type = 'quarter' then cast(right(period, 1) as integer) else 0 end as quarter,
        gdp_current, gdp_index, industrial_va, industrial_va_index, _delivered_at
    from {{ ref('stg_stats_city_indicators') }}
    where period_type in ('year', 'quarter')
),

links as (
    -- a row is linked to the previous year when the years follow and its index is there
    select *,
        coalesce(year - lag(year) over series = 1, false) and gdp_index is not null as gdp_linked,
        coalesce(year - lag(year) over series = 1, false) and industrial_va_index is not null as industrial_linked
    from source
    window series as (partition by region_code, quarter order by year)
),

segments as (
    -- unbroken runs of linked years
    select *,
        sum(case when gdp_linked then 0 else 1 end) over upto as gdp_segment,
        sum(case when industrial_linked then 0 else 1 end) over upto as industrial_segment
    from links
    window upto as (partition by region_code, quarter order by year rows between unbounded preceding and current row)
),

chained as (
    -- the index chained from the start of the run (any start: only ratios within a run are used)
    select *,
        bool_or(year = {{ var('price_base_year') }}) over series as has_base_year,
        min(year) over series as first_year,
        bool_and(gdp_linked or year = min_year) over from_first as gdp_unbroken,
        bool_and(industrial_linked or year = min_year) over from_first as industrial_unbroken,
        first_value(gdp_current) over from_first as first_gdp,
        first_value(industrial_va) over from_first as first_industrial_va,
        product(case when gdp_linked then gdp_index / 100 else 1 end) over from_first as gdp_chain_from_first,
        product(case when industrial_linked then industrial_va_index / 100 else 1 end) over from_first as industrial_chain_from_first,
        product(case when gdp_linked then gdp_index / 100 else 1 end) over gdp_run as gdp_chain,
        product(case when industrial_linked then industrial_va_index / 100 else 1 end) over industrial_run as industrial_chain
    from (select *, min(year) over (partition by region_code, quarter) as min_year from segments)
    window series as (partition by region_code, quarter),
           from_first as (partition by region_code, quarter order by year rows between unbounded preceding and current row),
           gdp_run as (partition by region_code, quarter, gdp_segment order by year
                       rows between unbounded preceding and current row),
           industrial_run as (partition by region_code, quarter, industrial_segment order by year
                              rows between unbounded preceding and current row)
),

price_base as (
    select region_code, quarter, gdp_segment, industrial_segment, gdp_current, gdp_chain,
        industrial_va, industrial_chain
    from chained
    where year = {{ var('price_base_year') }}
)

select
    c.region_code, c.period, c.period_type, c.period_end, c.year, c.quarter,
    case when c.has_base_year then {{ var('price_base_year') }} else c.first_year end as price_year,
    c.gdp_current,
    c.gdp_index,
    round(case when c.has_base_year then g.gdp_current * c.gdp_chain / g.gdp_chain
               when c.gdp_unbroken then c.first_gdp * c.gdp_chain_from_first end, 6) as gdp_comparable,
    c.industrial_va,
    c.industrial_va_index,
    round(case when c.has_base_year then i.industrial_va * c.industrial_chain / i.industrial_chain
               when c.industrial_unbroken then c.first_industrial_va * c.industrial_chain_from_first end, 6)
        as industrial_va_comparable,
    c._delivered_at
from chained as c
left join price_base as g
    on g.region_code = c.region_code and g.quarter = c.quarter and g.gdp_segment = c.gdp_segment
left join price_base as i
    on i.region_code = c.region_code and i.quarter = c.quarter and i.industrial_segment = c.industrial_segment
