-- One row per headline target × as-of date: the plan's work targets (工作目标, the six cuts it
-- opens with) for the province. The bulletin's headline cards and table read the rows of its
-- as-of date; its trend chart reads every as-of date up to it.
with target_progress as (
    select * from {{ ref('target_progress') }}
),

headline_targets as (
    select target_id, start_date from {{ ref('targets') }}
    where clause = '工作目标'
)

select
    target_progress.target_id,
    target_progress.as_of,
    target_progress.actual_value,
    target_progress.target_value,
    target_progress.unit,
    target_progress.completion_ratio,
    target_progress.time_elapsed_ratio,
    target_progress.status,
    target_progress.warning_level,
    target_progress.warning_grade_zh,
    target_progress.is_estimate,
    target_progress.data_quality,
    target_progress.target_text_zh,
    target_progress.note,
    target_progress.data_period_end
from target_progress
join headline_targets using (target_id)
where target_progress.region_code = '210000'  -- the province: the work targets are province-wide
  and target_progress.as_of >= headline_targets.start_date
