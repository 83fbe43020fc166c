-- One row per target × region × as-of date: how far along it is, whether that is on schedule,
-- and the warning level (plan/METHODS.md). Every target appears for every region it applies to;
-- one without data has status no_data — never silently absent. data_quality says what the
-- Great Expectations suites found in the extracts behind the figure.
with measurements as (
    select * from {{ ref('int_target_measurements') }}
),

dq_latest as (
    -- the current verdict of every suite (expectations/run.py, DQ_DDL)
    select * from {{ source('dq', 'latest_results') }}
),

target_extracts as (
    select target_id, unnest(string_split(source_extracts, ' ')) as extract
    from {{ ref('target_indicators') }}
),

target_data_quality as (
    -- failed: a critical expectation on the target's inputs failed; warnings: only warnings
    select te.target_id,
        case when bool_or(not d.success and d.severity = 'error') then 'failed'
             when bool_or(not d.success) then 'warnings'
             when count(d.suite) > 0 then 'passed'
             else 'unchecked' end as data_quality
    from target_extracts as te
    left join dq_latest as d on list_contains(d.extracts, te.extract)
    group by all
),

thresholds as (
    select
        max(min_completion_vs_time) filter (where status = 'on_track') as on_track,
        max(min_completion_vs_time) filter (where status = 'behind') as behind
    from {{ ref('warning_thresholds') }}
),

timed as (
    select m.*,
        -- the share of the target's time that has passed (annual_quantity: of the measured year)
        case when kind = 'annual_quantity' then
                 greatest(0, least(1, date_diff('month', greatest(start_date, make_date(year(least(as_of, deadline)), 1, 1)),
                                                 cast(as_of + interval 1 day as date))
                                     / nullif(date_diff('month', greatest(start_date, make_date(year(least(as_of, deadline)), 1, 1)),
                                                        cast(least(deadline, make_date(year(least(as_of, deadline)), 12, 31)) + interval 1 day as date)), 0)))
             else greatest(0, least(1, date_diff('month', start_date, cast(as_of + interval 1 day as date))
                                        / nullif(date_diff('month', start_date, cast(deadline + interval 1 day as date)), 0)))
        end as time_elapsed_ratio,
        case
            when actual_value is null or target_value is null then null
            when measure = 'milestone' then actual_value >= 1
            when kind = 'annual_reduction' then achieved >= required
            when comparator = '>=' then actual_value >= target_value
            when comparator = '>' then actual_value > target_value
            when comparator = '<=' then actual_value <= target_value
        end as met,
        comparator = '<=' as is_cap
    from measurements as m
),

with_status as (
    select t.*,
        case when is_cap then null else round(achieved / nullif(required, 0), 6) end as completion_ratio,
        case
            when met is null then 'no_data'
            when is_cap and met then case when as_of >= deadline then 'achieved' else 'on_track' end
            when is_cap then case when as_of >= deadline then 'missed' else 'off_track' end
            when met then 'achieved'
            when as_of >= deadline then 'missed'
            when achieved < 0 then 'off_track'  -- moving the wrong way
            when round(achieved / nullif(required, 0), 6) >= round(th.on_track * time_elapsed_ratio, 6) then 'on_track'
            when round(achieved / nullif(required, 0), 6) >= round(th.behind * time_elapsed_ratio, 6) then 'behind'
            else 'off_track'
        end as status
    from timed as t cross join thresholds as th
)

select
    s.target_id,
    tg.clause,
    s.region_code,
    r.name_zh as region_name_zh,
    r.name_en as region_name_en,
    s.as_of,
    s.kind,
    s.comparator,
    s.base_value,
    s.actual_value,
    s.target_value,
    s.unit,
    s.achieved,
    s.required,
    s.completion_ratio,
    round(s.time_elapsed_ratio, 6) as time_elapsed_ratio,
    s.status,
    w.warning_level,
    w.grade_zh as warning_grade_zh,
    s.is_estimate,
    s.target_value_source,
    s.target_value_illustrative,
    s.last_delivery_at,
    coalesce(q.data_quality, 'unchecked') as data_quality,
    tg.text_zh as target_text_zh
from with_status as s
join {{ ref('regions') }} as r on r.code = s.region_code
join {{ ref('targets') }} as tg using (target_id)
left join {{ ref('warning_thresholds') }} as w using (status)
left join target_data_quality as q using (target_id)
