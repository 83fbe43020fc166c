-- Every indicator in one long table: region × indicator × period, the value in the unit of the
-- indicators seed (progress reports: the unit the department reported). Flows (amounts done in
-- a month or year) and stocks (levels at the end of the period) side by side; the targets seed
-- says how each target reads them (target_indicators).
with energy_intensity as (
    select * from {{ ref('int_energy_intensity') }}
),

co2_intensity as (
    select * from {{ ref('int_co2_intensity') }}
),

electricity_intensity as (
    select * from {{ ref('int_electricity_intensity') }}
),

industrial_energy_intensity as (
    select * from {{ ref('int_industrial_energy_intensity') }}
),

freight_energy_intensity as (
    select * from {{ ref('int_freight_energy_intensity') }}
),

public_institution_energy as (
    select * from {{ ref('int_public_institution_energy') }}
),

pollutant_emissions as (
    select * from {{ ref('int_pollutant_emissions') }}
),

energy_consumption_growth as (
    select * from {{ ref('int_energy_consumption_growth') }}
),

gdp_comparable as (
    select * from {{ ref('int_gdp_comparable') }}
),

energy_mix as (
    select * from {{ ref('int_energy_mix') }}
),

power_capacity as (
    select * from {{ ref('int_power_capacity') }}
),

monitoring_transmission as (
    select * from {{ ref('int_monitoring_transmission') }}
),

disclosure_rates as (
    select * from {{ ref('int_disclosure_rates') }}
),

boilers as (
    select * from {{ ref('int_boilers') }}
),

vehicles as (
    select * from {{ ref('int_vehicles') }}
),

public_fleet as (
    select * from {{ ref('int_public_fleet') }}
),

key_enterprise_savings as (
    select * from {{ ref('int_key_enterprise_savings') }}
),

reduction_projects as (
    select * from {{ ref('int_reduction_projects') }}
),

sewer_coverage as (
    select * from {{ ref('stg_env_sewer_coverage') }}
),

county_key_management as (
    select * from {{ ref('int_county_key_management') }}
),

progress_reports as (
    select * from {{ ref('int_progress_reports') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

intensities as (
    -- the series built by macro intensity_series: a level (and its cut) per period (the same
    -- columns in the same order: the macro's)
    select * from energy_intensity
    union all select * from co2_intensity
    union all select * from electricity_intensity
    union all select * from industrial_energy_intensity
    union all select * from freight_energy_intensity
    union all select * from public_institution_energy
    union all select * from pollutant_emissions
),

all_values as (
    select region_code, indicator, period, period_type, period_end, level as value, is_estimate, delivered_at
    from intensities where level is not null
    union all
    select region_code, 'energy_intensity_cut_yoy', period, period_type, period_end, 100 * cut_yoy, false, delivered_at
    from energy_intensity where cut_yoy is not null
    union all
    select region_code, 'electricity_intensity_cut_yoy', period, period_type, period_end, 100 * cut_yoy, false, delivered_at
    from electricity_intensity where cut_yoy is not null
    union all
    select region_code, indicator, period, period_type, period_end, growth, false, delivered_at
    from energy_consumption_growth
    union all
    -- the numerators of two intensities are indicators of their own (yearly figures only)
    select region_code, 'energy_total', period, period_type, period_end, numerator, false, delivered_at
    from energy_intensity where not is_estimate and numerator is not null
    union all
    select region_code, 'co2_emissions', period, period_type, period_end, numerator, false, delivered_at
    from co2_intensity where not is_estimate and numerator is not null
    union all
    select region_code, 'gdp_comparable', period, period_type, period_end, gdp_comparable, false, _delivered_at
    from gdp_comparable where period_type = 'year' and gdp_comparable is not null
    union all
    select region_code, indicator, period, period_type, period_end, value, false, delivered_at
    from energy_mix
    union all
    select region_code, 'nonfossil_capacity', cast(year as {{ text_type() }}), 'year', period_end, nonfossil, false, _delivered_at
    from power_capacity where nonfossil is not null
    union all
    select region_code, 'nonfossil_capacity_share', cast(year as {{ text_type() }}), 'year', period_end, nonfossil_share, false, _delivered_at
    from power_capacity where nonfossil_share is not null
    union all
    select region_code, 'nonfossil_capacity_added', cast(year as {{ text_type() }}), 'year', period_end, added, false, _delivered_at
    from power_capacity where added is not null
    union all
    select region_code, 'monitoring_transmission_rate', quarter_label, 'quarter', period_end, transmission_rate, false, null
    from monitoring_transmission where transmission_rate is not null
    union all
    select region_code, 'self_monitoring_disclosure_rate', period, 'quarter', period_end, self_monitoring_disclosure_rate, false, delivered_at
    from disclosure_rates where self_monitoring_disclosure_rate is not null
    union all
    select region_code, 'supervisory_disclosure_rate', period, 'quarter', period_end, supervisory_disclosure_rate, false, delivered_at
    from disclosure_rates where supervisory_disclosure_rate is not null
    union all
    select region_code, indicator, period, period_type, period_end, value, false, delivered_at
    from boilers
    union all
    select region_code, indicator, period, period_type, period_end, value, false, delivered_at
    from vehicles where value is not null
    union all
    select region_code, indicator, period, period_type, period_end, value, false, delivered_at
    from public_fleet
    union all
    select region_code, 'key_enterprise_savings', cast(year as {{ text_type() }}), 'year', make_date(year, 12, 31), energy_saved, false, delivered_at
    from key_enterprise_savings
    union all
    select region_code, indicator, period, period_type, period_end, value, false, delivered_at
    from reduction_projects
    union all
    select region_code, 'sewer_coverage', cast(year as {{ text_type() }}), 'year', make_date(year, 12, 31), sewer_coverage, false, _delivered_at
    from sewer_coverage where sewer_coverage is not null
    union all
    select region_code, 'key_management_flag', cast(year as {{ text_type() }}), 'year', make_date(year, 12, 31),
        case when key_management then 1 else 0 end, false, delivered_at
    from county_key_management
    union all
    -- a department's own report on a target is the indicator report:<target_id>
    select region_code, 'report:' || target_id, period, period_type, period_end, value, false, delivered_at
    from progress_reports
),

parts as (
    -- sums over parts that can go missing (cities, enterprises, months): how many were
    -- expected and how many are there. NULL for a figure delivered as such.
    select region_code, indicator, period, parts_expected, parts_present
    from vehicles where value is not null and parts_expected is not null
    union all
    select region_code, 'key_enterprise_savings', cast(year as {{ text_type() }}), parts_expected, parts_present
    from key_enterprise_savings
    union all
    select region_code, 'self_monitoring_disclosure_rate', period, parts_expected, self_parts_present
    from disclosure_rates where parts_expected is not null
    union all
    select region_code, 'supervisory_disclosure_rate', period, parts_expected, supervisory_parts_present
    from disclosure_rates where parts_expected is not null
),

report_units as (
    -- the unit a department reported its figures in, per target it reports on
    select distinct target_id, unit from progress_reports
)

select all_values.*, coalesce(indicators.unit, report_units.unit) as unit, parts.parts_expected, parts.parts_present
from all_values
left join indicators on indicators.indicator = all_values.indicator
left join report_units on all_values.indicator = 'report:' || report_units.target_id
left join parts
    on parts.region_code = all_values.region_code and parts.indicator = all_values.indicator
    and parts.period = all_values.period
