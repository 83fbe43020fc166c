-- GDP and industrial value added at comparable prices, chained from the bureau's indices
-- (docs/METHODS.md), all on one price base: the prices of var price_base_year (2013), so that
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
with city_indicators as (
    select * from {{ ref('stg_stats_city_indicators') }}
),

series_rows as (
    -- one series per region and quarter (0 = the year; 1–3 = January to that quarter)
    select region_code, period, period_type, period_end, year,
        case when period_type = 'quarter' then cast(right(period, 1) as integer) else 0 end as quarter,
        gdp_current, gdp_index, industrial_va, industrial_va_index, _delivered_at
    from city_indicators
    where period_type in ('year', 'quarter')
),

links as (
    -- a row is linked to the previous year when the years follow and its index is there
    select *,
        coalesce(year - lag(year) over series = 1, false) and gdp_index is not null as gdp_linked,
        coalesce(year - lag(year) over series = 1, false) and industrial_va_index is not null as industrial_linked
    from series_rows
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

with_first_year as (
    select *, min(year) over (partition by region_code, quarter) as min_year
    from segments
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
        {{ product_over('case when gdp_linked then gdp_index / 100 else 1 end', 'from_first') }} as gdp_chain_from_first,
        {{ product_over('case when industrial_linked then industrial_va_index / 100 else 1 end', 'from_first') }} as industrial_chain_from_first,
        {{ product_over('case when gdp_linked then gdp_index / 100 else 1 end', 'gdp_run') }} as gdp_chain,
        {{ product_over('case when industrial_linked then industrial_va_index / 100 else 1 end', 'industrial_run') }} as industrial_chain
    from with_first_year
    window series as (partition by region_code, quarter),
           from_first as (partition by region_code, quarter order by year rows between unbounded preceding and current row),
           gdp_run as (partition by region_code, quarter, gdp_segment order by year
                       rows between unbounded preceding and current row),
           industrial_run as (partition by region_code, quarter, industrial_segment order by year
                              rows between unbounded preceding and current row)
),

price_base as (
    -- the price-base year's row of each run: current prices there are the comparable prices
    select region_code, quarter, gdp_segment, industrial_segment, gdp_current, gdp_chain,
        industrial_va, industrial_chain
    from chained
    where year = {{ var('price_base_year') }}
)

select
    chained.region_code, chained.period, chained.period_type, chained.period_end, chained.year, chained.quarter,
    case when chained.has_base_year then {{ var('price_base_year') }} else chained.first_year end as price_year,
    chained.gdp_current,
    chained.gdp_index,
    -- on the base year's prices: its current-price figure × the chain from it (forward or back);
    -- a series without a base-year figure: its first figure × the chain from it
    round(case when chained.has_base_year then gdp_base.gdp_current * chained.gdp_chain / gdp_base.gdp_chain
               when chained.gdp_unbroken then chained.first_gdp * chained.gdp_chain_from_first end, 6) as gdp_comparable,
    chained.industrial_va,
    chained.industrial_va_index,
    round(case when chained.has_base_year
                   then industrial_base.industrial_va * chained.industrial_chain / industrial_base.industrial_chain
               when chained.industrial_unbroken then chained.first_industrial_va * chained.industrial_chain_from_first end, 6)
        as industrial_va_comparable,
    chained._delivered_at
from chained
left join price_base as gdp_base
    on gdp_base.region_code = chained.region_code and gdp_base.quarter = chained.quarter
    and gdp_base.gdp_segment = chained.gdp_segment
left join price_base as industrial_base
    on industrial_base.region_code = chained.region_code and industrial_base.quarter = chained.quarter
    and industrial_base.industrial_segment = chained.industrial_segment
