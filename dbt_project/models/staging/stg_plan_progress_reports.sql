-- 专项工作进展报告 — Progress reports of the plan's special tasks: one row per target × region × period, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'plan_progress_reports', ['target_id', 'region_code', 'period'] %}
-- and staging.plan_progress_reports_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    target_id,
    region_code,
    period,
    -- the measures: each the newest figure delivered
    value,
    unit,
    remark,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values,
    -- what the period is: its type, year and last day (macros/period.sql)
    {{ period_type('period') }} as period_type,
    cast(left(period, 4) as integer) as year,
    {{ period_end('period') }} as period_end
from latest
