-- One row per city and as-of date: each city-level target side by side — the city's energy-
-- intensity cut against its allocation (annex 1), its 2014 vehicle-retirement task (annex 2),
-- and its sewer-network coverage — with status and warning level. The plan holds each city's
-- government to account for these (clauses 二十五–二十六). worst_warning_level is the most
-- serious of the three.
with target_progress as (
    select * from {{ ref('target_progress') }}
),

regions as (
    select * from {{ ref('regions') }}
),

progress as (
    select * from target_progress
    where target_id in ('city_energy_intensity_cut', 'vehicles_retired_2014',
                        'sewer_coverage_shenyang_dalian', 'sewer_coverage_other_cities')
      and region_code in (select code from regions where level = 'city')
),

pivoted as (
    select region_code, region_name_zh, region_name_en, as_of,
        max(actual_value) filter (where target_id = 'city_energy_intensity_cut') as energy_intensity_cut,
        max(target_value) filter (where target_id = 'city_energy_intensity_cut') as energy_intensity_cut_target,
        max(status) filter (where target_id = 'city_energy_intensity_cut') as energy_intensity_cut_status,
        max(warning_level) filter (where target_id = 'city_energy_intensity_cut') as energy_intensity_cut_warning,
        bool_or(is_estimate) filter (where target_id = 'city_energy_intensity_cut') as energy_intensity_cut_is_estimate,
        max(actual_value) filter (where target_id = 'vehicles_retired_2014') as vehicles_retired_2014,
        max(target_value) filter (where target_id = 'vehicles_retired_2014') as vehicles_retired_2014_target,
        max(status) filter (where target_id = 'vehicles_retired_2014') as vehicles_retired_2014_status,
        max(warning_level) filter (where target_id = 'vehicles_retired_2014') as vehicles_retired_2014_warning,
        max(actual_value) filter (where target_id like 'sewer_coverage_%') as sewer_coverage,
        max(target_value) filter (where target_id like 'sewer_coverage_%') as sewer_coverage_target,
        max(status) filter (where target_id like 'sewer_coverage_%') as sewer_coverage_status,
        max(warning_level) filter (where target_id like 'sewer_coverage_%') as sewer_coverage_warning,
        bool_or(target_value_illustrative) as allocation_illustrative
    from progress
    group by all
)

select *,
    case
        when 'red' in (energy_intensity_cut_warning, vehicles_retired_2014_warning, sewer_coverage_warning) then 'red'
        when 'yellow' in (energy_intensity_cut_warning, vehicles_retired_2014_warning, sewer_coverage_warning) then 'yellow'
        when 'green' in (energy_intensity_cut_warning, vehicles_retired_2014_warning, sewer_coverage_warning) then 'green'
    end as worst_warning_level
from pivoted
