-- Every indicator in one long table: region × indicator × period, the value in the unit of the
-- indicators seed (progress reports: the unit the department reported). Flows (amounts done in
-- a month or year) and stocks (levels at the end of the period) side by side; the targets seed
-- says how each target reads them (target_indicators).
with intensities as (
    select * from {{ ref('int_energy_intensity') }}
    union all by name select * from {{ ref('int_co2_intensity') }}
    union all by name select * from {{ ref('int_electricity_intensity') }}
    union all by name select * from {{ ref('int_industrial_energy_intensity') }}
    union all by name select * from {{ ref('int_freight_energy_intensity') }}
    union all by name select * from {{ ref('int_public_institution_energy') }}
    union all by name select * from {{ ref('int_pollutant_emissions') }}
),

all_values as (
    select region_code, indicator, period, period_type, period_end, level as value, is_estimate, delivered_at
    from intensities where level is not null
    union all
    select region_code, 'energy_intensity_cut_yoy', period, period_type, period_end, 100 * cut_yoy, false, delivered_at
    from {{ ref('int_energy_intensity') }} where cut_yoy is not null
    union all
    select region_code, 'electricity_intensity_cut_yoy', period, period_type, period_end, 100 * cut_yoy, false, delivered_at
    from {{ ref('int_electricity_intensity') }} where cut_yoy is not null
    union all
    select region_code, indicator, period, period_type, period_end, growth, false, delivered_at
    from {{ ref('int_energy_consumption_growth') }}
    union all
    select region_code, 'energy_total', period, period_type, period_end, numerator, false, delivered_at
    from {{ ref('int_energy_intensity') }} where not is_estimate and numerator is not null
    union all
    select region_code, 'co2_emissions', period, period_type, period_end, numerator, false, delivered_at
    from {{ ref('int_co2_intensity') }} where not is_estimate and numerator is not null
    union all
    select region_code, 'gdp_comparable', period, period_type, period_end, gdp_comparable, false, _delivered_at
    from {{ ref('int_gdp_comparable') }} where period_type = 'year' and gdp_comparable is not null
    union all
    select region_code, indicator, period, period_type, period_end, value, false, delivered_at
    from {{ ref('int_energy_mix') }}
    union all
    select region_code, 'nonfossil_capacity', cast(year as varchar), 'year', period_end, nonfossil, false, _delivered_at
    from {{ ref('int_power_capacity') }} where nonfossil is not null
    union all
    select region_code, 'nonfossil_capacity_share', cast(year as varchar), 'year', period_end, nonfossil_share, false, _delivered_at
    from {{ ref('int_power_capacity') }} where nonfossil_share is not null
    union all
    select region_code, 'nonfossil_capacity_added', cast(year as varchar), 'year', period_end, added, false, _delivered_at
    from {{ ref('int_power_capacity') }} where added is not null
    union all
    select region_code, 'monitoring_transmission_rate', quarter_label, 'quarter', period_end, transmission_rate, false, null
    from {{ ref('int_monitoring_transmission') }} where transmission_rate is not null
    union all
    select region_code, 'self_monitoring_disclosure_rate', period, 'quarter', period_end, self_monitoring_disclosure_rate, false, delivered_at
    from {{ ref('int_disclosure_rates') }} where self_monitoring_disclosure_rate is not null
    union all
    select region_code, 'supervisory_disclosure_rate', period, 'quarter', period_end, supervisory_disclosure_rate, false, delivered_at
    from {{ ref('int_disclosure_rates') }} where supervisory_disclosure_rate is not null
    union all
    select region_code, indicator, period, period_type, period_end, value, false, delivered_at
    from {{ ref('int_boilers') }}
    union all
    select region_code, indicator, period, period_type, period_end, value, false, delivered_at
    from {{ ref('int_vehicles') }} where value is not null
    union all
    select region_code, indicator, period, period_type, period_end, value, false, delivered_at
    from {{ ref('int_public_fleet') }}
    union all
    select region_code, 'key_enterprise_savings', cast(year as varchar), 'year', make_date(year, 12, 31), energy_saved, false, delivered_at
    from {{ ref('int_key_enterprise_savings') }}
    union all
    select region_code, indicator, period, period_type, period_end, value, false, delivered_at
    from {{ ref('int_reduction_projects') }}
    union all
    select region_code, 'sewer_coverage', cast(year as varchar), 'year', make_date(year, 12, 31), sewer_coverage, false, _delivered_at
    from {{ ref('stg_env_sewer_coverage') }} where sewer_coverage is not null
    union all
    select region_code, 'key_management_flag', cast(year as varchar), 'year', make_date(year, 12, 31),
        case when key_management then 1 else 0 end, false, delivered_at
    from {{ ref('int_county_key_management') }}
    union all
    select region_code, 'report:' || target_id, period, period_type, period_end, value, false, delivered_at
    from {{ ref('int_progress_reports') }}
),

parts as (
    -- sums over parts that can go missing (cities, enterprises, months): how many were
    -- expected and how many are there. NULL for a figure delivered as such.
    select region_code, indicator, period, parts_expected, parts_present
    from {{ ref('int_vehicles') }} where value is not null and parts_expected is not null
    union all
    select region_code, 'key_enterprise_savings', cast(year as varchar), parts_expected, parts_present
    from {{ ref('int_key_enterprise_savings') }}
    union all
    select region_code, 'self_monitoring_disclosure_rate', period, parts_expected, self_parts_present
    from {{ ref('int_disclosure_rates') }} where parts_expected is not null
    union all
    select region_code, 'supervisory_disclosure_rate', period, parts_expected, supervisory_parts_present
    from {{ ref('int_disclosure_rates') }} where parts_expected is not null
)

select v.*, coalesce(i.unit, r.unit) as unit, p.parts_expected, p.parts_present
from all_values as v
left join {{ ref('indicators') }} as i on i.indicator = v.indicator
left join (select distinct target_id, unit from {{ ref('int_progress_reports') }}) as r
    on v.indicator = 'report:' || r.target_id
left join parts as p on p.region_code = v.region_code and p.indicator = v.indicator and p.period = v.period
