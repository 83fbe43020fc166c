-- One row per target × region at yellow or red, per as-of date, and — on the latest date — each
-- green target early_warning warns because its projection misses at the pace so far (warned_by
-- 'projection'; the status and warning level stay green): the bulletin's warning tables.
-- What it takes to recover comes from early_warning, which holds the latest as-of date only: the
-- bulletin of an earlier date shows its warnings without it. The same goes for the projection
-- (projected_*, required_pace_*: target_projection through early_warning), a projection that
-- never changes a status.
with target_progress as (
    select * from {{ ref('target_progress') }}
),

recovery as (
    select target_id, region_code, as_of, warned_by, recovery_needed, recovery_note, projected_value, projected_low,
        projected_high, projected_status_label, required_pace_per_quarter, required_pace_per_year, required_pace_note
    from {{ ref('early_warning') }}
),

regions as (
    select code as region_code, level as region_level from {{ ref('regions') }}
)

select
    target_progress.as_of,
    target_progress.target_id,
    target_progress.clause,
    target_progress.region_code,
    target_progress.region_name_zh,
    target_progress.region_name_en,
    regions.region_level,
    target_progress.status,
    target_progress.warning_level,
    target_progress.warning_grade_zh,
    coalesce(recovery.warned_by, 'status') as warned_by,
    {{ warned_by_label("coalesce(recovery.warned_by, 'status')") }} as warned_by_label,
    target_progress.unit,
    target_progress.actual_value,
    target_progress.target_value,
    target_progress.achieved,
    target_progress.required,
    target_progress.completion_ratio,
    target_progress.time_elapsed_ratio,
    recovery.recovery_needed,
    recovery.recovery_note,
    recovery.projected_value,
    recovery.projected_low,
    recovery.projected_high,
    recovery.projected_status_label,
    recovery.required_pace_per_quarter,
    recovery.required_pace_per_year,
    recovery.required_pace_note,
    target_progress.target_text_zh,
    target_progress.note
from target_progress
join regions using (region_code)
left join recovery using (target_id, region_code, as_of)
where target_progress.warning_level in ('red', 'yellow') or recovery.warned_by = 'projection'
