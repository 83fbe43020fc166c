-- 专项工作进展报告 — Progress reports of the plan's special tasks: one row per target × region × period, the newest delivery of each key.
with latest as (
    {{ latest_delivery('plan_progress_reports', ['target_id', 'region_code', 'period']) }}
)

select
    *,
    {{ period_type('period') }} as period_type,
    cast(left(period, 4) as integer) as year,
    {{ period_end('period') }} as period_end
from latest
