-- Figures only departments can report (plan_progress_reports), per target, region and period:
-- amounts completed in the period, levels, and milestones (1 = done, on the reported date).
select target_id, region_code, period, period_type, period_end, value, unit,
    _delivered_at as delivered_at
from {{ ref('stg_plan_progress_reports') }}
