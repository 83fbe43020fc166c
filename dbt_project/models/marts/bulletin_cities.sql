-- One row per as-of date × region (the province and its 14 cities): the bulletin's city table.
-- Its period is the statistics bureau's latest period ended by the as-of date (other extracts may
-- be newer); where January to Q4 and the year end on the same day, the year. A region without a
-- figure for that period keeps its row with empty figures (shown as —, never as 0), and an as-of
-- date before any period of the bureau has its rows with an empty period.
with as_of_dates as (
    select distinct as_of from {{ ref('target_progress') }}
),

city_bulletin as (
    select * from {{ ref('city_bulletin') }}
),

regions as (
    select code as region_code, name_zh as region_name_zh, name_en as region_name_en, level as region_level
    from {{ ref('regions') }}
    where level in ('province', 'city')
),

bureau_periods as (
    select distinct period, period_type, period_end from city_bulletin
),

period_shown as (
    select as_of, period from (
        select as_of_dates.as_of, bureau_periods.period,
            -- the latest end first; on a tie the year before its January-to-Q4; then the first name
            row_number() over (
                partition by as_of_dates.as_of
                order by bureau_periods.period_end desc, bureau_periods.period_type = 'year' desc, bureau_periods.period
            ) as rank_of_period
        from as_of_dates
        join bureau_periods on bureau_periods.period_end <= as_of_dates.as_of
    ) as candidates
    where rank_of_period = 1  -- (a subquery, not QUALIFY: Spark has no QUALIFY)
)

select
    as_of_dates.as_of,
    period_shown.period,
    regions.region_code,
    regions.region_name_zh,
    regions.region_name_en,
    regions.region_level,
    city_bulletin.energy_intensity_cut,
    city_bulletin.energy_consumption_growth,
    city_bulletin.electricity_intensity_cut,
    city_bulletin.cumulative_energy_intensity_cut,
    city_bulletin.allocated_cut,
    city_bulletin.allocation_illustrative,
    city_bulletin.status,
    city_bulletin.warning_level
from as_of_dates
cross join regions
left join period_shown using (as_of)
left join city_bulletin
    on city_bulletin.region_code = regions.region_code and city_bulletin.period = period_shown.period
