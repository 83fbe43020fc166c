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
    select m.* exclude (progress_from, window_end),
        -- progress is judged at the date of the latest figure, not the as-of date: a series
        -- delivered once a year does not fall behind in the quarters when nothing new can come
        -- (METHODS.md). Without a figure, the as-of date (no_data anyway).
        coalesce(data_period_end, least(as_of, coalesce(window_end, deadline))) as judged_at,
        coalesce(progress_from, start_date) as progress_from,
        coalesce(window_end, deadline) as window_end,
        -- reversible measures (a cut, share, rate, growth, level) can still fall back until the
        -- deadline; an amount done or a milestone reached cannot
        measure in ('flow', 'milestone') as is_irreversible,
        coalesce(parts_present < parts_expected, false) as is_incomplete,
        comparator = '<=' as is_cap,
        case
            when actual_value is null or target_value is null then null
            when measure = 'milestone' then actual_value >= 1
            when kind = 'annual_reduction' then achieved >= required
            when comparator = '>=' then actual_value >= target_value
            when comparator = '>' then actual_value > target_value
            when comparator = '<=' then actual_value <= target_value
        end as met,
        -- 左右 (about): met when the figure, rounded to the precision the plan states, reaches it
        case
            when actual_value is null or target_value is null or about_precision is null then false
            when comparator = '>=' then round(actual_value, about_precision) >= target_value
            when comparator = '>' then round(actual_value, about_precision) > target_value
            else false
        end as about_met
    from measurements as m
),

elapsed as (
    select t.*,
        -- the share of the target's time that has passed at the figure's date: from the start
        -- (annual_quantity: of the measured year; a level without a value before the start: from
        -- its first figure) to the deadline
        greatest(0, least(1, date_diff('month', progress_from, cast(judged_at + interval 1 day as date))
                             / nullif(date_diff('month', progress_from, cast(window_end + interval 1 day as date)), 0)))
            as time_elapsed_ratio,
        -- a figure is final when it covers the whole target period and is not a within-year estimate
        judged_at >= window_end and not coalesce(is_estimate, false) as is_final
    from timed as t
),

with_status as (
    select e.*,
        case when is_cap or required is null or required <= 0 then null
             else round(achieved / required, 6) end as completion_ratio,
        case
            when met is null then 'no_data'
            -- past the deadline a sum short of a part can be signed neither achieved nor missed
            when as_of >= deadline and is_incomplete then 'incomplete'
            when met and not is_incomplete and (is_irreversible or is_final) then 'achieved'
            when met then 'on_track'  -- met so far: reversible, an estimate, or short of a part
            when about_met and not is_incomplete and is_final then 'about_met'
            when about_met then 'on_track'  -- about met so far
            when is_cap then case when as_of >= deadline then 'missed' else 'off_track' end
            when as_of >= deadline then 'missed'
            when achieved < 0 then 'off_track'  -- moving the wrong way
            when round(achieved / nullif(required, 0), 6) >= round(th.on_track * pace, 6) then 'on_track'
            when round(achieved / nullif(required, 0), 6) >= round(th.behind * pace, 6) then 'behind'
            else 'off_track'
        end as status
    from (
        -- the share of the target due by now: the time elapsed, except for a per-year rate
        -- ("年均下降2.8%"), which every year must meet in full — time does not scale a rate
        select *, case when kind = 'annual_reduction' then 1 else time_elapsed_ratio end as pace
        from elapsed
    ) as e cross join thresholds as th
),

noted as (
    -- the note says, in both languages, what the status alone does not
    select w.*,
        nullif(concat_ws('; ',
            case when status = 'on_track' and met then '暂已达标 met so far' end,
            case when status = 'on_track' and not met and about_met then '暂约达标 about met so far' end,
            case when status = 'about_met' then '约数达标（按计划精度取整后达到目标）about met: reaches the target when rounded to the plan''s precision' end,
            case when is_estimate then '年内估算 within-year estimate' end,
            case when is_incomplete then printf('数据不完整：应有%d份，实有%d份 incomplete: %d of %d parts',
                                                parts_expected, parts_present, parts_present, parts_expected) end,
            -- (a milestone's date is when it was done, not the vintage of a series)
            case when data_period_end < least(as_of, window_end) and status <> 'no_data' and measure <> 'milestone' then
                     printf('%s后无新数据 no new data since %s', strftime(data_period_end, '%Y-%m-%d'), strftime(data_period_end, '%Y-%m-%d')) end,
            case when cumulative_value is not null then
                     printf('累计降低%.2f%%（较%d年）cumulative cut %.2f %% since %d', cumulative_value, base_year, cumulative_value, base_year) end,
            case when base_is_first_figure then
                     printf('起始前无数值，自首个数据（%s）起算 no value before the start: measured from the first figure (%s)',
                            strftime(cast(progress_from - interval 1 day as date), '%Y-%m-%d'),
                            strftime(cast(progress_from - interval 1 day as date), '%Y-%m-%d')) end
        ), '') as note
    from with_status as w
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
    s.note,
    s.is_estimate,
    s.data_period_end,
    s.parts_expected,
    s.parts_present,
    not s.is_incomplete as is_complete,
    s.target_value_source,
    s.target_value_illustrative,
    s.last_delivery_at,
    coalesce(q.data_quality, 'unchecked') as data_quality,
    tg.text_zh as target_text_zh
from noted as s
join {{ ref('regions') }} as r on r.code = s.region_code
join {{ ref('targets') }} as tg using (target_id)
left join {{ ref('warning_thresholds') }} as w using (status)
left join target_data_quality as q using (target_id)
