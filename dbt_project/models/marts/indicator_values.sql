-- One row per region × indicator × period: the value and its unit, for charts. Quarterly rows
-- of intensities are estimates for the year in progress (is_estimate).
with indicator_values as (
    select * from {{ ref('int_indicator_values') }}
),

regions as (
    select * from {{ ref('regions') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

targets as (
    select * from {{ ref('targets') }}
)

select
    indicator_values.region_code,
    regions.name_zh as region_name_zh,
    regions.name_en as region_name_en,
    regions.level as region_level,
    indicator_values.indicator,
    -- a department's report (indicator report:<target_id>) is named after its target
    coalesce(indicators.name_zh, targets.text_zh) as indicator_name_zh,
    coalesce(indicators.name_en, 'reported: ' || targets.target_id) as indicator_name_en,
    indicator_values.period,
    indicator_values.period_type,
    indicator_values.period_end,
    indicator_values.value,
    indicator_values.unit,
    indicator_values.is_estimate,
    indicator_values.delivered_at as last_delivery_at
from indicator_values
join regions on regions.code = indicator_values.region_code
left join indicators using (indicator)
left join targets on indicator_values.indicator = 'report:' || targets.target_id
