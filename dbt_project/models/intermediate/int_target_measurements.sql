-- What each target has achieved for each region at each as-of date (docs/METHODS.md,
-- "Progress toward a target"), from the indicator series the target_indicators seed names.
-- Only figures of periods ending by the as-of date — and by the deadline — count.
--
--   measure       actual_value                           achieved          required
--   cut           cut from the base year, % (*)          actual            target % (for
--                 (annual_reduction: average annual                        annual_reduction:
--                 cut, % a year)                                           r, % a year)
--   reported_cut  the cut a department reported, %       actual            target %
--   level         latest value since the start           latest − the      target − that value
--                                                        value before the
--                                                        start date (none:
--                                                        the first figure
--                                                        since the start)
--   flow          sum since the start (annual_quantity:  actual            target amount
--                 in the calendar year of the as-of;
--                 0 for a delivered register without
--                 entries yet)
--   growth        average annual growth since the base   actual            target %
--                 year, %
--   milestone     1 once done                            actual            1
--
-- (*) 1 − level(t) / level(base year); t is the latest year, or a quarter of the year in
--     progress, whose level is the within-year estimate (int_*_intensity). A per-year target
--     (annual_reduction) is shown in its own unit: the average annual cut
--     1 − (level(t) / level(b))^(1 / (t − b)) against r, with the cumulative cut beside it
--     (cumulative_value) — comparing a cumulative 3.14 % with "2.8 % a year" compares two units.
--
-- A level with no value before the start (a register that describes today's equipment, a rate
-- first measured in 2014) is measured from its first figure since the start: achieved is what
-- moved since then, required the gap that was left then, and time runs from then
-- (progress_from) — a share that sits at 94 % for eight quarters closed none of its gap, which
-- actual ÷ target (0.94) would hide until the deadline.
--
-- Also carried for target_progress: the end of the period the latest figure covers
-- (data_period_end: progress is judged at the data's own date, not the as-of date), and for
-- an aggregate how many parts it expected and how many it has (parts_expected/parts_present):
-- cities × months of a provincial sum, enterprises × years of a five-year total, the months
-- of a monthly flow up to the newest month any region delivered. A flow from a complete
-- register (from_register) has no missing parts: a month without entries is a known zero.
with targets as (
    select * from {{ ref('int_targets') }}
),

quarter_ends as (
    select * from {{ ref('int_quarter_ends') }}
),

indicator_values as (
    select * from {{ ref('int_indicator_values') }}
),

grid as (
    -- every target × region at every as-of date since its start; figures count up to the cutoff
    select targets.*, quarter_ends.as_of, least(quarter_ends.as_of, targets.deadline) as cutoff,
        year(least(quarter_ends.as_of, targets.deadline)) as measure_year
    from targets
    join quarter_ends on quarter_ends.as_of >= targets.start_date
),

series as (
    -- the figures of the indicator each target reads, for its region
    select targets.target_id, indicator_values.*
    from targets
    join indicator_values
        on indicator_values.indicator = targets.indicator and indicator_values.region_code = targets.region_code
),

in_window as (
    -- the figures a target may use at an as-of date
    select grid.target_id, grid.region_code, grid.as_of, series.period, series.period_type, series.period_end,
        series.value, series.is_estimate, series.delivered_at, series.parts_expected, series.parts_present
    from grid
    join series on series.target_id = grid.target_id and series.region_code = grid.region_code
        and series.period_end <= grid.cutoff
),

base_levels as (
    select series.target_id, series.region_code, series.value as base_level
    from series join targets using (target_id, region_code)
    where series.period_type = 'year' and year(series.period_end) = targets.base_year
),

cut as (
    select in_window.target_id, in_window.region_code, in_window.as_of,
        {{ arg_max('in_window.value', 'in_window.period_end') }} as latest_level,
        max(in_window.period_end) as latest_end,
        {{ arg_max('in_window.is_estimate', 'in_window.period_end') }} as is_estimate,
        {{ arg_max_null('in_window.parts_expected', 'in_window.period_end') }} as parts_expected,
        {{ arg_max_null('in_window.parts_present', 'in_window.period_end') }} as parts_present
    from in_window join targets using (target_id, region_code)
    where targets.measure = 'cut' and year(in_window.period_end) > targets.base_year
    group by all
),

growth as (
    select in_window.target_id, in_window.region_code, in_window.as_of,
        {{ arg_max('in_window.value', 'in_window.period_end') }} as latest_value,
        max(year(in_window.period_end)) as latest_year
    from in_window join targets using (target_id, region_code)
    where targets.measure = 'growth' and in_window.period_type = 'year'
      and year(in_window.period_end) > targets.base_year
    group by all
),

level_latest as (
    select in_window.target_id, in_window.region_code, in_window.as_of,
        {{ arg_max('in_window.value', 'in_window.period_end') }} as latest_value,
        max(in_window.period_end) as latest_end,
        {{ arg_min('in_window.value', 'in_window.period_end') }} as first_value,
        min(in_window.period_end) as first_end,
        {{ arg_max_null('in_window.parts_expected', 'in_window.period_end') }} as parts_expected,
        {{ arg_max_null('in_window.parts_present', 'in_window.period_end') }} as parts_present
    from in_window join targets using (target_id, region_code)
    where targets.measure in ('level', 'reported_cut') and in_window.period_end >= targets.start_date
    group by all
),

level_before as (
    select series.target_id, series.region_code,
        {{ arg_max('series.value', 'series.period_end') }} as value_before_start
    from series join targets using (target_id, region_code)
    where targets.measure = 'level' and series.period_end < targets.start_date
    group by all
),

flow_windows as (
    -- where a flow is summed from, and the newest period any region delivered by the cutoff:
    -- periods up to it are due from every region; later ones simply have not come yet
    select grid.target_id, grid.region_code, grid.as_of,
        case when grid.kind = 'annual_quantity' then greatest(grid.start_date, make_date(grid.measure_year, 1, 1))
             else grid.start_date end as window_start,
        max(indicator_values.period_end) as horizon,
        any_value(indicator_values.period_type) as period_type
    from grid
    join indicator_values
        on indicator_values.indicator = grid.indicator and indicator_values.period_end <= grid.cutoff
    where grid.measure = 'flow' and not grid.from_register
    group by all
),

flow as (
    select in_window.target_id, in_window.region_code, in_window.as_of,
        sum(in_window.value) as total,
        max(in_window.period_end) as latest_end,
        count(*) as periods_present,
        sum(coalesce(in_window.parts_present, 1)) as parts_present,
        sum(coalesce(in_window.parts_expected, 1)) as parts_expected_delivered,
        max(coalesce(in_window.parts_expected, 1)) as parts_per_period
    from in_window join grid using (target_id, region_code, as_of)
    where grid.measure = 'flow' and in_window.period_end >= grid.start_date
      and (grid.kind <> 'annual_quantity' or year(in_window.period_end) = grid.measure_year)
    group by all
),

flow_parts as (
    -- a period missing altogether counts as many missing parts as a delivered one expects
    select flow.target_id, flow.region_code, flow.as_of,
        flow.parts_expected_delivered + flow.parts_per_period * greatest(0, case flow_windows.period_type
            when 'month' then {{ month_diff('flow_windows.window_start', 'cast(flow_windows.horizon + interval 1 day as date)') }}
            when 'quarter' then {{ quarter_diff('flow_windows.window_start', 'cast(flow_windows.horizon + interval 1 day as date)') }}
            when 'year' then {{ year_diff('flow_windows.window_start', 'cast(flow_windows.horizon + interval 1 day as date)') }}
            else flow.periods_present end - flow.periods_present) as parts_expected,
        flow.parts_present
    from flow
    join flow_windows using (target_id, region_code, as_of)
),

milestone as (
    select in_window.target_id, in_window.region_code, in_window.as_of,
        max(case when in_window.value >= 1 then 1 else 0 end) as done,
        max(in_window.period_end) as latest_end
    from in_window join targets using (target_id, region_code)
    where targets.measure = 'milestone'
    group by all
),

series_delivered as (
    -- a register that was delivered at all: months without entries are known zeros
    select distinct target_id, region_code from series
),

last_delivery as (
    select target_id, region_code, as_of, max(delivered_at) as last_delivery_at
    from in_window group by all
),

measured as (
    -- each target's figures by its measure (the table at the top)
    select grid.*,
        case grid.measure
            when 'cut' then case when base_levels.base_level > 0 and cut.latest_level is not null
                                 then 100 * (1 - cut.latest_level / base_levels.base_level) end
            when 'reported_cut' then level_latest.latest_value
            when 'level' then level_latest.latest_value
            when 'flow' then case when grid.from_register and series_delivered.target_id is not null
                                  then coalesce(flow.total, 0)
                                  else flow.total end
            when 'growth' then case when base_levels.base_level > 0 and growth.latest_value is not null
                                    then 100 * (power(growth.latest_value / base_levels.base_level,
                                                      cast(1 as double) / (growth.latest_year - grid.base_year)) - 1) end
            when 'milestone' then milestone.done
        end as cumulative_or_actual,
        case when grid.measure = 'level' then coalesce(level_before.value_before_start, level_latest.first_value)
             when grid.measure in ('cut', 'reported_cut', 'flow', 'growth', 'milestone') then 0 end as base_value,
        grid.measure = 'level' and level_before.value_before_start is null and level_latest.first_value is not null
            as base_is_first_figure,
        case when grid.measure = 'cut' then year(cut.latest_end) - grid.base_year end as years_since_base,
        coalesce(cut.is_estimate, false) as is_estimate,
        last_delivery.last_delivery_at,
        case grid.measure
            when 'cut' then cut.latest_end
            when 'reported_cut' then level_latest.latest_end
            when 'level' then level_latest.latest_end
            when 'flow' then case when grid.from_register
                                  then case when series_delivered.target_id is not null then grid.cutoff end
                                  else flow.latest_end end
            when 'growth' then make_date(growth.latest_year, 12, 31)
            when 'milestone' then milestone.latest_end
        end as data_period_end,
        case when grid.measure = 'level' and level_before.value_before_start is null and level_latest.first_value is not null
                 then cast(level_latest.first_end + interval 1 day as date)
             when grid.kind = 'annual_quantity' then greatest(grid.start_date, make_date(grid.measure_year, 1, 1))
             else grid.start_date end as progress_from,
        case when grid.kind = 'annual_quantity' then least(grid.deadline, make_date(grid.measure_year, 12, 31))
             else grid.deadline end as window_end,
        case grid.measure when 'cut' then cut.parts_expected
                          when 'level' then level_latest.parts_expected
                          when 'reported_cut' then level_latest.parts_expected
                          when 'flow' then flow_parts.parts_expected end as parts_expected,
        case grid.measure when 'cut' then cut.parts_present
                          when 'level' then level_latest.parts_present
                          when 'reported_cut' then level_latest.parts_present
                          when 'flow' then flow_parts.parts_present end as parts_present
    from grid
    left join base_levels using (target_id, region_code)
    left join cut using (target_id, region_code, as_of)
    left join growth using (target_id, region_code, as_of)
    left join level_latest using (target_id, region_code, as_of)
    left join level_before using (target_id, region_code)
    left join flow using (target_id, region_code, as_of)
    left join flow_parts using (target_id, region_code, as_of)
    left join milestone using (target_id, region_code, as_of)
    left join last_delivery using (target_id, region_code, as_of)
    left join series_delivered using (target_id, region_code)
),

per_year as (
    select *,
        -- a per-year target in its own unit: the average annual cut over the years since the base
        case when kind = 'annual_reduction' and years_since_base > 0 and cumulative_or_actual < 100
                 then 100 * (1 - power(1 - cumulative_or_actual / 100, cast(1 as double) / years_since_base))
             when kind = 'annual_reduction' then null
             else cumulative_or_actual end as actual_value,
        case when kind = 'annual_reduction' then cumulative_or_actual end as cumulative_value
    from measured
)

select
    target_id, region_code, as_of, kind, measure, comparator, unit, base_year, start_date, deadline,
    target_value, target_value_source, target_value_illustrative, about_precision, is_estimate,
    last_delivery_at, data_period_end, progress_from, window_end, base_is_first_figure,
    cast(parts_expected as bigint) as parts_expected, cast(parts_present as bigint) as parts_present,
    -- 6 decimals in the target's unit: a cut of exactly 4.9 % is 4.9, not 4.8999999999
    round(base_value, 6) as base_value,
    round(actual_value, 6) as actual_value,
    round(cumulative_value, 6) as cumulative_value,
    round(case when measure = 'level' then actual_value - coalesce(base_value, 0) else actual_value end, 6) as achieved,
    round(case
        when measure = 'level' then target_value - coalesce(base_value, 0)
        when measure = 'milestone' then 1
        else target_value
    end, 6) as required
from per_year
