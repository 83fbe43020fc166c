-- One row per target × region × as-of date: how far along it is, whether that is on schedule,
-- and the warning level (docs/METHODS.md). Every target appears for every region it applies to;
-- one without data has status no_data — never silently absent. data_quality says what the
-- Great Expectations suites found in the extracts behind the figure.
with measurements as (
    select * from {{ ref('int_target_measurements') }}
),

current_verdicts as (
    -- the current verdict of every suite: passed, warning or failed (the rule is the view
    -- dq.current_verdicts, sources/bookkeeping.py)
    select * from {{ source('dq', 'current_verdicts') }}
),

target_indicators as (
    select * from {{ ref('target_indicators') }}
),

warning_thresholds as (
    select * from {{ ref('warning_thresholds') }}
),

targets as (
    select * from {{ ref('targets') }}
),

regions as (
    select * from {{ ref('regions') }}
),

target_extracts as (
    select target_id, {{ unnest_list(split_text('source_extracts', ' ')) }} as extract
    from target_indicators
),

target_data_quality as (
    -- failed: a suite judging the target's inputs failed; warnings: only warnings
    select target_extracts.target_id,
        case when bool_or(current_verdicts.verdict = 'failed') then 'failed'
             when bool_or(current_verdicts.verdict = 'warning') then 'warnings'
             when count(current_verdicts.suite) > 0 then 'passed'
             else 'unchecked' end as data_quality
    from target_extracts
    left join current_verdicts on {{ list_has('current_verdicts.extracts', 'target_extracts.extract') }}
    group by all
),

thresholds as (
    -- the share of the due progress a target needs to be on track, or behind
    select
        max(min_completion_vs_time) filter (where status = 'on_track') as on_track,
        max(min_completion_vs_time) filter (where status = 'behind') as behind
    from warning_thresholds
),

timed as (
    select
        -- the measurements but progress_from and window_end, which get their defaults below
        target_id, region_code, as_of, kind, measure, comparator, unit, base_year, start_date, deadline,
        target_value, target_value_source, target_value_illustrative, about_precision, is_estimate,
        last_delivery_at, data_period_end, base_is_first_figure, parts_expected, parts_present,
        base_value, actual_value, cumulative_value, achieved, required,
        -- progress is judged at the date of the latest figure, not the as-of date: a series
        -- delivered once a year does not fall behind in the quarters when nothing new can come
        -- (docs/METHODS.md). Without a figure, the as-of date (no_data anyway).
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
            when comparator = '>=' then {{ round_to('actual_value', 'about_precision') }} >= target_value
            when comparator = '>' then {{ round_to('actual_value', 'about_precision') }} > target_value
            else false
        end as about_met
    from measurements
),

elapsed as (
    select *,
        -- the share of the target's time that has passed at the figure's date: from the start
        -- (annual_quantity: of the measured year; a level without a value before the start: from
        -- its first figure) to the deadline
        greatest(0, least(1, {{ month_diff('progress_from', 'cast(judged_at + interval 1 day as date)') }}
                             / nullif({{ month_diff('progress_from', 'cast(window_end + interval 1 day as date)') }}, 0)))
            as time_elapsed_ratio,
        -- a figure is final when it covers the whole target period and is not a within-year estimate
        judged_at >= window_end and not coalesce(is_estimate, false) as is_final
    from timed
),

paced as (
    -- the share of the target due by now: the time elapsed, except for a per-year rate
    -- ("年均下降2.8%"), which every year must meet in full — time does not scale a rate
    select *, case when kind = 'annual_reduction' then 1 else time_elapsed_ratio end as pace
    from elapsed
),

with_status as (
    select paced.*,
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
            when round(achieved / nullif(required, 0), 6) >= round(thresholds.on_track * pace, 6) then 'on_track'
            when round(achieved / nullif(required, 0), 6) >= round(thresholds.behind * pace, 6) then 'behind'
            else 'off_track'
        end as status
    from paced
    cross join thresholds
),

noted as (
    -- the note says, in both languages, what the status alone does not
    select *,
        nullif(concat_ws('; ',
            case when status = 'on_track' and met then '暂已达标 met so far' end,
            case when status = 'on_track' and not met and about_met then '暂约达标 about met so far' end,
            case when status = 'about_met' then '约数达标（按计划精度取整后达到目标）about met: reaches the target when rounded to the plan{{ apostrophe() }}s precision' end,
            case when is_estimate then '年内估算 within-year estimate' end,
            case when is_incomplete then printf('数据不完整：应有%d份，实有%d份 incomplete: %d of %d parts',
                                                parts_expected, parts_present, parts_present, parts_expected) end,
            -- an incomplete sum is never achieved on the parts it has (docs/METHODS.md), but a
            -- missing part can only add: say when what is there already beats the target
            case when status = 'incomplete' and met and comparator in ('>=', '>') then
                     '已有部分已超过目标 the parts present already exceed the target' end,
            -- (a milestone's date is when it was done, not the vintage of a series)
            case when data_period_end < least(as_of, window_end) and status <> 'no_data' and measure <> 'milestone' then
                     printf('%s后无新数据 no new data since %s', {{ format_time('data_period_end', '%Y-%m-%d') }}, {{ format_time('data_period_end', '%Y-%m-%d') }}) end,
            case when cumulative_value is not null then
                     printf('累计降低%.2f%%（较%d年）cumulative cut %.2f %% since %d', {{ fixed_point('cumulative_value', 2) }}, base_year,
                            {{ fixed_point('cumulative_value', 2) }}, base_year) end,
            case when base_is_first_figure then
                     printf('起始前无数值，自首个数据（%s）起算 no value before the start: measured from the first figure (%s)',
                            {{ format_time('cast(progress_from - interval 1 day as date)', '%Y-%m-%d') }},
                            {{ format_time('cast(progress_from - interval 1 day as date)', '%Y-%m-%d') }}) end
        ), '') as note
    from with_status
)

select
    noted.target_id,
    targets.clause,
    noted.region_code,
    regions.name_zh as region_name_zh,
    regions.name_en as region_name_en,
    noted.as_of,
    noted.kind,
    noted.comparator,
    noted.base_value,
    noted.actual_value,
    noted.target_value,
    noted.unit,
    noted.achieved,
    noted.required,
    noted.completion_ratio,
    round(noted.time_elapsed_ratio, 6) as time_elapsed_ratio,
    noted.status,
    warning_thresholds.warning_level,
    warning_thresholds.grade_zh as warning_grade_zh,
    noted.note,
    noted.is_estimate,
    noted.data_period_end,
    noted.parts_expected,
    noted.parts_present,
    not noted.is_incomplete as is_complete,
    noted.target_value_source,
    noted.target_value_illustrative,
    noted.last_delivery_at,
    coalesce(target_data_quality.data_quality, 'unchecked') as data_quality,
    targets.text_zh as target_text_zh
from noted
join regions on regions.code = noted.region_code
join targets using (target_id)
left join warning_thresholds using (status)
left join target_data_quality using (target_id)
