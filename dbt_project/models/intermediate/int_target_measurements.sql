-- What each target has achieved for each region at each as-of date (plan/METHODS.md,
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

grid as (
    select t.*, q.as_of, least(q.as_of, t.deadline) as cutoff,
        year(least(q.as_of, t.deadline)) as measure_year
    from targets as t
    join {{ ref('int_quarter_ends') }} as q on q.as_of >= t.start_date
),

series as (
    select t.target_id, v.*
    from targets as t
    join {{ ref('int_indicator_values') }} as v
        on v.indicator = t.indicator and v.region_code = t.region_code
),

in_window as (
    -- the figures a target may use at an as-of date
    select g.target_id, g.region_code, g.as_of, s.period, s.period_type, s.period_end, s.value,
        s.is_estimate, s.delivered_at, s.parts_expected, s.parts_present
    from grid as g
    join series as s on s.target_id = g.target_id and s.region_code = g.region_code
        and s.period_end <= g.cutoff
),

base_levels as (
    select s.target_id, s.region_code, s.value as base_level
    from series as s join targets as t using (target_id, region_code)
    where s.period_type = 'year' and year(s.period_end) = t.base_year
),

cut as (
    select w.target_id, w.region_code, w.as_of,
        arg_max(w.value, w.period_end) as latest_level,
        max(w.period_end) as latest_end,
        arg_max(w.is_estimate, w.period_end) as is_estimate,
        arg_max_null(w.parts_expected, w.period_end) as parts_expected,
        arg_max_null(w.parts_present, w.period_end) as parts_present
    from in_window as w join targets as t using (target_id, region_code)
    where t.measure = 'cut' and year(w.period_end) > t.base_year
    group by all
),

growth as (
    select w.target_id, w.region_code, w.as_of,
        arg_max(w.value, w.period_end) as latest_value, max(year(w.period_end)) as latest_year
    from in_window as w join targets as t using (target_id, region_code)
    where t.measure = 'growth' and w.period_type = 'year' and year(w.period_end) > t.base_year
    group by all
),

level_latest as (
    select w.target_id, w.region_code, w.as_of, arg_max(w.value, w.period_end) as latest_value,
        max(w.period_end) as latest_end,
        arg_min(w.value, w.period_end) as first_value,
        min(w.period_end) as first_end,
        arg_max_null(w.parts_expected, w.period_end) as parts_expected,
        arg_max_null(w.parts_present, w.period_end) as parts_present
    from in_window as w join targets as t using (target_id, region_code)
    where t.measure in ('level', 'reported_cut') and w.period_end >= t.start_date
    group by all
),

level_before as (
    select s.target_id, s.region_code, arg_max(s.value, s.period_end) as value_before_start
    from series as s join targets as t using (target_id, region_code)
    where t.measure = 'level' and s.period_end < t.start_date
    group by all
),

flow_windows as (
    -- where a flow is summed from, and the newest period any region delivered by the cutoff:
    -- periods up to it are due from every region; later ones simply have not come yet
    select g.target_id, g.region_code, g.as_of,
        case when g.kind = 'annual_quantity' then greatest(g.start_date, make_date(g.measure_year, 1, 1))
             else g.start_date end as window_start,
        max(v.period_end) as horizon,
        any_value(v.period_type) as period_type
    from grid as g
    join {{ ref('int_indicator_values') }} as v on v.indicator = g.indicator and v.period_end <= g.cutoff
    where g.measure = 'flow' and not g.from_register
    group by all
),

flow as (
    select w.target_id, w.region_code, w.as_of, sum(w.value) as total, max(w.period_end) as latest_end,
        count(*) as periods_present,
        sum(coalesce(w.parts_present, 1)) as parts_present,
        sum(coalesce(w.parts_expected, 1)) as parts_expected_delivered,
        max(coalesce(w.parts_expected, 1)) as parts_per_period
    from in_window as w join grid as g using (target_id, region_code, as_of)
    where g.measure = 'flow' and w.period_end >= g.start_date
      and (g.kind <> 'annual_quantity' or year(w.period_end) = g.measure_year)
    group by all
),

flow_parts as (
    -- a period missing altogether counts as many missing parts as a delivered one expects
    select f.target_id, f.region_code, f.as_of,
        f.parts_expected_delivered + f.parts_per_period * greatest(0, case fw.period_type
            when 'month' then date_diff('month', fw.window_start, cast(fw.horizon + interval 1 day as date))
            when 'quarter' then date_diff('quarter', fw.window_start, cast(fw.horizon + interval 1 day as date))
            when 'year' then date_diff('year', fw.window_start, cast(fw.horizon + interval 1 day as date))
            else f.periods_present end - f.periods_present) as parts_expected,
        f.parts_present
    from flow as f
    join flow_windows as fw using (target_id, region_code, as_of)
),

milestone as (
    select w.target_id, w.region_code, w.as_of, max(case when w.value >= 1 then 1 else 0 end) as done,
        max(w.period_end) as latest_end
    from in_window as w join targets as t using (target_id, region_code)
    where t.measure = 'milestone'
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
    select g.*,
        case g.measure
            when 'cut' then case when b.base_level > 0 and c.latest_level is not null
                                 then 100 * (1 - c.latest_level / b.base_level) end
            when 'reported_cut' then l.latest_value
            when 'level' then l.latest_value
            when 'flow' then case when g.from_register and sd.target_id is not null then coalesce(f.total, 0)
                                  else f.total end
            when 'growth' then case when b.base_level > 0 and gr.latest_value is not null
                                    then 100 * (power(gr.latest_value / b.base_level, 1.0 / (gr.latest_year - g.base_year)) - 1) end
            when 'milestone' then m.done
        end as cumulative_or_actual,
        case when g.measure = 'level' then coalesce(lb.value_before_start, l.first_value)
             when g.measure in ('cut', 'reported_cut', 'flow', 'growth', 'milestone') then 0 end as base_value,
        g.measure = 'level' and lb.value_before_start is null and l.first_value is not null as base_is_first_figure,
        case when g.measure = 'cut' then year(c.latest_end) - g.base_year end as years_since_base,
        coalesce(c.is_estimate, false) as is_estimate,
        d.last_delivery_at,
        case g.measure
            when 'cut' then c.latest_end
            when 'reported_cut' then l.latest_end
            when 'level' then l.latest_end
            when 'flow' then case when g.from_register then case when sd.target_id is not null then g.cutoff end
                                  else f.latest_end end
            when 'growth' then make_date(gr.latest_year, 12, 31)
            when 'milestone' then m.latest_end
        end as data_period_end,
        case when g.measure = 'level' and lb.value_before_start is null and l.first_value is not null
                 then cast(l.first_end + interval 1 day as date)
             when g.kind = 'annual_quantity' then greatest(g.start_date, make_date(g.measure_year, 1, 1))
             else g.start_date end as progress_from,
        case when g.kind = 'annual_quantity' then least(g.deadline, make_date(g.measure_year, 12, 31))
             else g.deadline end as window_end,
        case g.measure when 'cut' then c.parts_expected
                       when 'level' then l.parts_expected
                       when 'reported_cut' then l.parts_expected
                       when 'flow' then fp.parts_expected end as parts_expected,
        case g.measure when 'cut' then c.parts_present
                       when 'level' then l.parts_present
                       when 'reported_cut' then l.parts_present
                       when 'flow' then fp.parts_present end as parts_present
    from grid as g
    left join base_levels as b using (target_id, region_code)
    left join cut as c using (target_id, region_code, as_of)
    left join growth as gr using (target_id, region_code, as_of)
    left join level_latest as l using (target_id, region_code, as_of)
    left join level_before as lb using (target_id, region_code)
    left join flow as f using (target_id, region_code, as_of)
    left join flow_parts as fp using (target_id, region_code, as_of)
    left join milestone as m using (target_id, region_code, as_of)
    left join last_delivery as d using (target_id, region_code, as_of)
    left join series_delivered as sd using (target_id, region_code)
),

per_year as (
    select *,
        -- a per-year target in its own unit: the average annual cut over the years since the base
        case when kind = 'annual_reduction' and years_since_base > 0 and cumulative_or_actual < 100
                 then 100 * (1 - power(1 - cumulative_or_actual / 100, 1.0 / years_since_base))
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
