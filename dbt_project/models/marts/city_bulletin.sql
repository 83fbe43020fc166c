-- One row per region (the province and its 14 cities) × period (a year, or January to a
-- quarter): the columns of the statistics bureau's bulletin of city energy indicators
-- (各市万元地区生产总值能耗等指标公报) — energy-intensity cut, energy consumption growth,
-- electricity-intensity cut, each on the same period of the previous year — beside the
-- cumulative energy-intensity cut since 2013 and the cut allocated for 2014–2015 (annex 1; the
-- province: the plan's 4.9 %). Cuts are positive when intensity fell; growth is positive when
-- consumption rose.
with regions as (
    select code as region_code, name_zh as region_name_zh, name_en as region_name_en, level as region_level
    from {{ ref('regions') }}
    where level in ('province', 'city')
),

indicator_values as (
    select * from {{ ref('int_indicator_values') }}
),

target_progress as (
    select * from {{ ref('target_progress') }}
),

yearly_figures as (
    select region_code, period, period_type, period_end,
        max(value) filter (where indicator = 'energy_intensity_cut_yoy') as energy_intensity_cut,
        max(value) filter (where indicator = 'energy_consumption_growth') as energy_consumption_growth,
        max(value) filter (where indicator = 'electricity_intensity_cut_yoy') as electricity_intensity_cut,
        max(delivered_at) as last_delivery_at
    from indicator_values
    where indicator in ('energy_intensity_cut_yoy', 'energy_consumption_growth', 'electricity_intensity_cut_yoy')
    group by all
),

progress as (
    -- the cumulative cut and the allocation, from the target each region answers for
    select region_code, as_of as period_end, actual_value as cumulative_energy_intensity_cut,
        target_value as allocated_cut, target_value_illustrative as allocation_illustrative,
        status, warning_level
    from target_progress
    where target_id in ('energy_intensity_cut', 'city_energy_intensity_cut')
)

select
    regions.region_code, regions.region_name_zh, regions.region_name_en, regions.region_level,
    yearly_figures.period, yearly_figures.period_type, yearly_figures.period_end,
    round(yearly_figures.energy_intensity_cut, 2) as energy_intensity_cut,
    round(yearly_figures.energy_consumption_growth, 2) as energy_consumption_growth,
    round(yearly_figures.electricity_intensity_cut, 2) as electricity_intensity_cut,
    round(progress.cumulative_energy_intensity_cut, 2) as cumulative_energy_intensity_cut,
    progress.allocated_cut,
    progress.allocation_illustrative,  -- NULL where no allocation applies: not "official" by default
    progress.status,
    progress.warning_level,
    yearly_figures.last_delivery_at
from yearly_figures
join regions using (region_code)
-- a period's progress is the target's at the as-of date that is the period's end
left join progress using (region_code, period_end)
