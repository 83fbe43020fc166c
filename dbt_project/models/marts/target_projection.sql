-- Where each target still open on the latest as-of date lands at its deadline if the pace so far
-- continues, with a range, and — for one that misses at this pace — the pace needed from now on
-- (docs/METHODS.md, "Projection to the deadline"). A projection, labelled as one in every column
-- name (projected_*) and note; it reads target_progress and never changes a status.
--
-- Each kind is projected in the space where its pace is constant (x below), so that "the pace
-- continues" means a straight line in x against the months since the start:
--   amounts, levels (cumulative_quantity, annual_quantity, level)   x = achieved (linear)
--   cuts (intensity_reduction, total_reduction)                     x = ln(1 − c/100): cuts compound,
--                                                                   so c(T) = 1 − (1 − c)^(T/t)
--   per-year cut (annual_reduction), per-year growth (annual_growth) x = n·ln(1 ∓ r/100), the log
--                                                                   of the cumulative factor over the
--                                                                   n years since the base; the
--                                                                   projected rate is the average
--                                                                   over the N years to the deadline
-- Central value: the pace of the whole period so far (x / t). Range: the pace of the last four
-- quarters (the figure twelve months before the latest one, else the start) against the whole
-- period's; the lower and the higher of the two landings.
with target_progress as (
    select * from {{ ref('target_progress') }}
),

measurements as (
    select * from {{ ref('int_target_measurements') }}
),

open_targets as (
    -- still open on the latest as-of date: before the deadline, and neither signed (achieved,
    -- about_met, missed) nor without a figure (no_data). incomplete arises only on or after the
    -- deadline, so it is never open.
    select target_id, region_code, as_of, status, region_name_zh, region_name_en
    from target_progress
    where as_of = (select max(as_of) from target_progress)
      and status in ('on_track', 'behind', 'off_track')
),

figures as (
    -- every figure of every as-of date, placed in time and in its pace space
    select *,
        {{ month_diff('from_date', 'cast(figure_date + interval 1 day as date)') }} as months_elapsed,
        {{ month_diff('from_date', 'cast(to_date + interval 1 day as date)') }} as months_total,
        case space
            when 'linear' then achieved
            when 'compound' then case when actual_value < 100 then ln(1 - actual_value / 100) end
            when 'rate_cut' then case when actual_value < 100 then (year(figure_date) - base_year) * ln(1 - actual_value / 100) end
            when 'rate_growth' then case when actual_value > -100 then (year(figure_date) - base_year) * ln(1 + actual_value / 100) end
        end as x,
        case space
            when 'linear' then required
            when 'compound' then case when target_value < 100 then ln(1 - target_value / 100) end
            when 'rate_cut' then case when target_value < 100 then years_total * ln(1 - target_value / 100) end
            when 'rate_growth' then case when target_value > -100 then years_total * ln(1 + target_value / 100) end
        end as x_target
    from (
        select measurements.*,
            -- the start and end of the target's time, with target_progress's defaults (its time
            -- elapsed runs over the same months)
            coalesce(progress_from, start_date) as from_date,
            coalesce(window_end, deadline) as to_date,
            -- a cut's figure stands for its whole year: a within-year level is an estimate of the
            -- year (previous year's level × (1 − the January-to-quarter year-on-year cut))
            case when measure = 'cut' then make_date(year(data_period_end), 12, 31) else data_period_end end as figure_date,
            year(coalesce(window_end, deadline)) - base_year as years_total,
            case when kind in ('cumulative_quantity', 'annual_quantity', 'level') then 'linear'
                 when kind in ('intensity_reduction', 'total_reduction') then 'compound'
                 when kind = 'annual_reduction' then 'rate_cut'
                 when kind = 'annual_growth' then 'rate_growth'
            end as space
        from measurements
    ) as placed
),

series as (
    -- one figure per date (the latest as-of date's: a year's final figure, not the estimate an
    -- earlier quarter made of it)
    -- (a subquery, not QUALIFY: Spark has no QUALIFY)
    select * from (
        select *, row_number() over (partition by target_id, region_code, from_date, figure_date order by as_of desc) as newest
        from figures
        where x is not null
    ) as ranked
    where newest = 1
),

latest as (
    select figures.*, open_targets.status, open_targets.region_name_zh, open_targets.region_name_en
    from open_targets
    join figures using (target_id, region_code, as_of)
    -- a target past its deadline gets no projection: what it reached is what it reached
    where figures.as_of < figures.deadline
),

reference as (
    -- the recent pace starts from the figure twelve months before the latest one (the latest at or
    -- before that date), in the same window
    select latest.target_id, latest.region_code,
        {{ arg_max('series.x', 'series.figure_date') }} as x_ref,
        max(series.figure_date) as ref_date,
        {{ arg_max('series.months_elapsed', 'series.figure_date') }} as months_ref
    from latest
    join series on series.target_id = latest.target_id and series.region_code = latest.region_code
        and series.from_date = latest.from_date
        and series.figure_date <= latest.figure_date - interval 12 month
    group by all
),

paced as (
    select latest.*,
        -- without a figure a year back, the start: nothing achieved at month 0
        coalesce(reference.x_ref, 0) as x_ref,
        coalesce(reference.months_ref, 0) as months_ref,
        coalesce(reference.ref_date, cast(latest.from_date - interval 1 day as date)) as ref_date,
        reference.ref_date is not null as has_recent_pace,
        greatest(latest.months_total - latest.months_elapsed, 0) as months_remaining
    from latest
    left join reference using (target_id, region_code)
),

landed as (
    -- x at the deadline: the whole period's pace, and the last four quarters' pace
    select *,
        case when x is not null and months_elapsed > 0 then x * months_total / months_elapsed end as x_whole,
        case when x is not null and months_elapsed > months_ref
             then x + (x - x_ref) / (months_elapsed - months_ref) * months_remaining end as x_recent,
        -- what the remaining months must add to reach the target, in x
        case when months_remaining > 0 then x_target - x end as x_needed
    from paced
),

valued as (
    -- back from x to the target's own measure (macros/projection.sql)
    select *,
        {{ projection_value('x_whole') }} as value_whole,
        {{ projection_value('x_recent') }} as value_recent,
        -- spread evenly over the remaining quarters and years; with less than a quarter (a year)
        -- left, the whole remainder, as early_warning's recovery does
        {{ projection_pace('x_needed * 3 / greatest(months_remaining, 3)') }} as pace_per_quarter,
        {{ projection_pace('x_needed * 12 / greatest(months_remaining, 12)') }} as pace_per_year
    from landed
),

judged as (
    select *,
        -- met at the deadline at this pace, by the rule the status uses (a 左右 target at the
        -- plan's precision): the central value, and the last four quarters' pace, so that a range
        -- on both sides of the target says so
        {{ projection_meets('value_whole') }} as meets,
        {{ projection_meets('value_recent') }} as meets_recent
    from valued
)

select
    target_id,
    region_code,
    region_name_zh,
    region_name_en,
    as_of,
    deadline,
    kind,
    comparator,
    unit,
    status,
    actual_value,
    target_value,
    figure_date as projected_from,
    ref_date as projected_recent_from,
    months_remaining as projected_months_remaining,
    round(value_whole, 6) as projected_value,
    round(least(value_whole, value_recent), 6) as projected_low,
    round(greatest(value_whole, value_recent), 6) as projected_high,
    meets as projected_meets_target,
    -- a range that straddles the target: the two paces disagree, and the label says which is which
    case when meets and not meets_recent
             then '按全期进度可达标，按近四季度进度无法达标 projection: meets at the whole period{{ apostrophe() }}s pace, misses at the last four quarters{{ apostrophe() }} pace'
         when not meets and meets_recent
             then '按全期进度无法达标，按近四季度进度可达标 projection: misses at the whole period{{ apostrophe() }}s pace, meets at the last four quarters{{ apostrophe() }} pace'
         when meets then '按当前进度预计可达标 projection: meets the target at this pace'
         when not meets then '按当前进度预计无法达标 projection: misses the target at this pace'
         when kind = 'milestone' then '里程碑无进度可外推 projection: a milestone has no pace to continue'
         else '按当前进度无法预计 projection: no pace yet to continue'
    end as projected_status_label,
    case space
        when 'linear' then case when kind = 'level'
            then '线性趋势：起始以来的平均变化延续 linear trend: the level{{ apostrophe() }}s average change since the start continues'
            else '线性外推：起始以来的平均进度延续 linear: the amount{{ apostrophe() }}s average pace since the start continues' end
        when 'compound' then '复合外推：1 − (1 − c)^(T/t) compound: the cut{{ apostrophe() }}s pace since the start continues, 1 − (1 − c)^(T/t)'
        when 'rate_cut' then '年均降低率延续 average annual cut since the base year continues'
        when 'rate_growth' then '年均增速延续 average annual growth since the base year continues'
    end as projected_method,
    -- the pace needed from the latest figure on, only for a target that misses at this pace
    case when not meets then round(pace_per_quarter, 6) end as required_pace_per_quarter,
    case when not meets then round(pace_per_year, 6) end as required_pace_per_year,
    case
        when meets is null or meets then null
        when months_remaining = 0 then '最新数据已覆盖期末，无剩余期可追赶 the latest figure already covers the deadline: no time left to recover'
        when space = 'linear' and comparator = '<=' then '此后每季度/每年至多 at most, per quarter / per remaining year'
        when space = 'linear' then '此后每季度/每年需完成 amount needed per quarter / per remaining year'
        when space = 'compound' then '此后每季度/每年需降低（%，复合）cut needed per quarter / per remaining year (%, compounding)'
        when space = 'rate_cut' then '此后每年需降低（%）cut needed in each remaining year (%; per quarter: its quarterly equivalent)'
        when space = 'rate_growth' and comparator = '<=' then '此后每年增速至多（%）growth allowed at most in each remaining year (%; per quarter: its quarterly equivalent)'
        when space = 'rate_growth' then '此后每年需增长（%）growth needed in each remaining year (%; per quarter: its quarterly equivalent)'
    end as required_pace_note,
    concat_ws('; ',
        '预测，不改变状态 projection: does not change the status',
        case when not has_recent_pace and value_whole is not null
             then '不足一年的数据，区间即起始以来进度 less than a year of figures: the range is the pace since the start' end,
        case when is_estimate then '据年内估算 from a within-year estimate' end,
        case when parts_present < parts_expected
             then printf('数据不完整（%d/%d），按已有部分预测 incomplete (%d of %d parts): projected from the parts present',
                         parts_present, parts_expected, parts_present, parts_expected) end
    ) as note
from judged
