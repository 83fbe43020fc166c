-- One row per region × indicator × period: the value and its unit, for charts. Quarterly rows
-- of intensities are estimates for the year in progress (is_estimate).
select
    v.region_code,
    r.name_zh as region_name_zh,
    r.name_en as region_name_en,
    r.level as region_level,
    v.indicator,
    coalesce(i.name_zh, t.text_zh) as indicator_name_zh,
    coalesce(i.name_en, 'reported: ' || t.target_id) as indicator_name_en,
    v.period,
    v.period_type,
    v.period_end,
    v.value,
    v.unit,
    v.is_estimate,
    v.delivered_at as last_delivery_at
from {{ ref('int_indicator_values') }} as v
join {{ ref('regions') }} as r on r.code = v.region_code
left join {{ ref('indicators') }} as i using (indicator)
left join {{ ref('targets') }} as t on v.indicator = 'report:' || t.target_id
