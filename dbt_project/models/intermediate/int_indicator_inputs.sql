-- The delivered figures behind each value of an intensity or pollutant series (int_indicator_values),
-- with the file and row each came from (int_delivered_values): the inputs a target's explanation
-- lists (marts.target_lineage, `plantrack explain`). The rules mirror the models that compute the
-- values — this model only names their inputs, it computes nothing:
--   - a yearly level I(t) = numerator(t) / denominator(t) (macro intensity_series);
--   - a within-year estimate of t, January to quarter q, is I(t−1) × (1 − r(t, q)), r from the ratios
--     of January–q of t and of t−1: its inputs are those of t·q, (t−1)·q and the year t−1;
--   - a comparable-price denominator (GDP, industrial value added: int_gdp_comparable) is the
--     current-price figure of the price-base year (2013) chained with the bureau's index of every
--     year between it and t, of the same period (January–q);
--   - a pollutant total is its delivered figure; freight energy intensity is energy use / turnover.
-- One row per indicator value × input: component_period is the period of the input's own series
-- (2014 for the 2015Q2 estimate's previous year), role what it is in the formula.
with indicator_values as (
    select * from {{ ref('int_indicator_values') }}
),

delivered_values as (
    select * from {{ ref('int_delivered_values') }}
),

series_inputs (indicator, extract, numerators, denominator, denominator_index) as (
    -- which delivered measures each series divides (the int_* model named by the indicator)
    values
        ('energy_intensity', 'stats_city_indicators', {{ array_of(["'energy_total'"]) }}, 'gdp_current', 'gdp_index'),
        ('electricity_intensity', 'stats_city_indicators', {{ array_of(["'electricity'"]) }}, 'gdp_current', 'gdp_index'),
        ('co2_intensity', 'stats_city_indicators', {{ array_of(["'coal'", "'oil'", "'gas'"]) }}, 'gdp_current', 'gdp_index'),
        ('industrial_energy_intensity', 'stats_city_indicators', {{ array_of(["'industrial_energy'"]) }}, 'industrial_va', 'industrial_va_index'),
        ('freight_energy_intensity', 'transport_freight', {{ array_of(["'energy_use'"]) }}, 'freight_turnover', null),
        ('cod_emissions', 'env_pollutant_totals', {{ array_of(["'cod'"]) }}, null, null),
        ('so2_emissions', 'env_pollutant_totals', {{ array_of(["'so2'"]) }}, null, null),
        ('nh3n_emissions', 'env_pollutant_totals', {{ array_of(["'nh3n'"]) }}, null, null),
        ('nox_emissions', 'env_pollutant_totals', {{ array_of(["'nox'"]) }}, null, null)
),

valued as (
    select indicator_values.region_code, indicator_values.indicator, indicator_values.period,
        indicator_values.is_estimate, series_inputs.extract, series_inputs.numerators,
        series_inputs.denominator, series_inputs.denominator_index,
        year(indicator_values.period_end) as year,
        case when indicator_values.period_type = 'quarter' then cast(right(indicator_values.period, 1) as integer) else 0 end as quarter
    from indicator_values
    join series_inputs using (indicator)
),

{%- set this_period = struct_of([('year', 'valued.year'), ('quarter', 'valued.quarter'), ('role', "'this period'")]) %}
{%- set year_itself = struct_of([('year', 'valued.year'), ('quarter', '0'), ('role', "'this period'")]) %}
{%- set same_period_before = struct_of([('year', 'valued.year - 1'), ('quarter', 'valued.quarter'), ('role', "'same period of the previous year'")]) %}
{%- set previous_year = struct_of([('year', 'valued.year - 1'), ('quarter', '0'), ('role', "'previous year'")]) %}

components as (
    -- the periods of the input series a value is computed from
    select valued.*, component.year as component_year, component.quarter as component_quarter,
        component.role as component_role
    from valued
        {{ lateral_unnest('case when valued.quarter = 0 then ' ~ array_of([year_itself])
                          ~ ' else ' ~ array_of([this_period, same_period_before, previous_year]) ~ ' end', 't', 'component') }}
),

labelled as (
    select *,
        case when component_quarter = 0 then cast(component_year as {{ text_type() }})
             else component_year || 'Q' || component_quarter end as component_period
    from components
),

wanted as (
    -- numerators: the figures of the component period (a pollutant's is the total itself: no denominator)
    select region_code, indicator, period, extract, component_period, component_role,
        case when denominator is null then 'total' else 'numerator' end as role,
        {{ unnest_list('numerators') }} as measure,
        component_period as input_period, 1 as role_order
    from labelled
    union all
    -- a denominator delivered as such (freight turnover)
    select region_code, indicator, period, extract, component_period, component_role,
        'denominator', denominator, component_period, 2
    from labelled where denominator is not null and denominator_index is null
    union all
    -- a comparable-price denominator: the price-base year's current-price figure …
    select region_code, indicator, period, extract, component_period, component_role,
        'price_base', denominator,
        case when component_quarter = 0 then '{{ var("price_base_year") }}'
             else '{{ var("price_base_year") }}Q' || component_quarter end, 3
    from labelled where denominator_index is not null
    union all
    -- … chained with the index of every year between it and the component's year
    select region_code, indicator, period, extract, component_period, component_role,
        'index', denominator_index,
        case when component_quarter = 0 then cast(index_year as {{ text_type() }}) else index_year || 'Q' || component_quarter end, 4
    from labelled
        {{ lateral_integers("least(component_year, " ~ var('price_base_year') ~ ") + 1",
                            "greatest(component_year, " ~ var('price_base_year') ~ ") + 1", 'i', 'index_year') }}
    where denominator_index is not null
)

select wanted.region_code, wanted.indicator, wanted.period, wanted.component_period, wanted.component_role,
    wanted.role, wanted.role_order, wanted.extract, wanted.measure, wanted.input_period,
    delivered_values.value, delivered_values.unit, delivered_values.file_id, delivered_values.source_row, delivered_values.superseded
from wanted
-- an input that was never delivered leaves the value it feeds NULL upstream: nothing to list
join delivered_values
    on delivered_values.extract = wanted.extract and delivered_values.region_code = wanted.region_code
    and delivered_values.period = wanted.input_period and delivered_values.measure = wanted.measure
