-- Targets and regions warned on the latest as-of date — at yellow or red (warned_by 'status'), or
-- still open and green but projected to miss at the pace so far (warned_by 'projection': issue 17,
-- "for every target × region still open … where the target lands"; the projection never changes
-- the status or the warning level) — with what it takes to recover by the deadline (in the
-- target's unit):
--   cuts: the cut still needed per remaining year, 1 − ((1 − target) / (1 − achieved))^(1 / years);
--   amounts: what remains, and per remaining year;
--   levels: the gap to the target;
--   per-year targets (annual_reduction, annual_growth): the gap in the average annual rate.
-- Past the deadline (missed), the whole gap is shown and remaining_years is 0. An incomplete
-- figure shows no recovery: what it lacks is data, not progress.
-- Beside it, the projection of target_projection (a target still open: where it lands at the
-- deadline if the pace so far continues, and the pace it needs from the latest figure on),
-- labelled as one: projected_* and required_pace_* never change the status.
with target_progress as (
    select * from {{ ref('target_progress') }}
),

projection as (
    select target_id, region_code, as_of, projected_value, projected_low, projected_high,
        projected_meets_target, projected_status_label, required_pace_per_quarter, required_pace_per_year,
        required_pace_note
    from {{ ref('target_projection') }}
),

targets as (
    select * from {{ ref('targets') }}
),

latest as (
    select target_progress.*,
        case when target_progress.warning_level in ('yellow', 'red') then 'status' else 'projection' end as warned_by
    from target_progress
    left join projection using (target_id, region_code, as_of)
    where target_progress.as_of = (select max(as_of) from target_progress)
      and (target_progress.warning_level in ('yellow', 'red') or not projection.projected_meets_target)
),

with_deadline as (
    select latest.*, targets.deadline as deadline_date
    from latest
    join targets using (target_id)
),

gaps as (
    -- the months from the as-of date to the deadline, in years (0 once the deadline has passed)
    select *,
        greatest({{ month_diff('cast(as_of + interval 1 day as date)', 'cast(deadline_date + interval 1 day as date)') }}, 0) / cast(12 as double) as remaining_years
    from with_deadline
)

select
    target_id, clause, region_code, region_name_zh, region_name_en, as_of, deadline_date as deadline,
    status, warning_level, warning_grade_zh, warned_by,
    {{ warned_by_label('warned_by') }} as warned_by_label,
    kind, unit, actual_value, target_value, achieved, required,
    completion_ratio, time_elapsed_ratio, remaining_years,
    case
        when status = 'incomplete' then null
        when kind = 'annual_reduction' then target_value - actual_value
        when kind in ('intensity_reduction', 'total_reduction') and actual_value < 100 then
            100 * (1 - power((1 - required / 100) / (1 - actual_value / 100), 1 / greatest(remaining_years, 1)))
        when kind in ('cumulative_quantity', 'annual_quantity') then
            (required - achieved) / greatest(remaining_years, 1)
        when kind = 'level' then required - achieved
        when kind = 'annual_growth' then target_value - actual_value
    end as recovery_needed,
    case
        when status = 'incomplete' then '数据不完整，待补齐后判定 incomplete: to be judged once the missing parts arrive'
        when kind = 'annual_reduction' then '年均降低率差距 gap in the average annual cut (percentage points a year)'
        when kind in ('intensity_reduction', 'total_reduction') and remaining_years = 0
            then '期满仍需降低 further cut still missing at the deadline (%)'
        when kind in ('intensity_reduction', 'total_reduction') then '每年还需降低 cut still needed per remaining year (%)'
        when kind in ('cumulative_quantity', 'annual_quantity') and remaining_years = 0
            then '期满仍差 amount still missing at the deadline'
        when kind in ('cumulative_quantity', 'annual_quantity') then '每年还需完成 amount still needed per remaining year'
        when kind = 'level' then '距目标差距 gap to the target'
        when kind = 'annual_growth' then '增速差距 gap in average annual growth (percentage points)'
        when kind = 'milestone' then '尚未完成 not yet done'
    end as recovery_note,
    projection.projected_value,
    projection.projected_low,
    projection.projected_high,
    projection.projected_status_label,
    projection.required_pace_per_quarter,
    projection.required_pace_per_year,
    projection.required_pace_note
from gaps
left join projection using (target_id, region_code, as_of)
