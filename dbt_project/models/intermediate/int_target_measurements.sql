-- What each target has achieved for each region at each as-of date (plan/METHODS.md,
-- "Progress toward a target"), from the indicator series the target_indicators seed names.
-- Only figures of periods ending by the as-of date — and by the deadline — count.
--
--   measure       actual_value                           achieved          required
--   cut           cut from the base year, % (*)          actual            target %, or for
--                                                                          annual_reduction
--                                                                          1 − (1 − r)^years
--   reported_cut  the cut a department reported, %       actual            target %
--   level         latest value since the start           latest − the      target − that value
--                                                        value before the  (the target itself
--                                                        start date        when none exists)
--   flow          sum since the start (annual_quantity:  actual            target amount
--                 in the calendar year of the as-of;
--                 0 for a delivered register without
--                 entries yet)
--   growth        average annual growth since the base   actual            target %
--                 year, %
--   milestone     1 once done                            actual            1
--
-- (*) 1 − level(t) / level(base year); t is the latest year, or a quarter of the year in
--     progress, whose level is the within-year estimate (int_*_intensity).
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
        s.is_estimate, s.delivered_at
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
        arg_max(w.is_estimate, w.period_end) as is_estimate
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
    select w.target_id, w.region_code, w.as_of, arg_max(w.value, w.period_end) as latest_value
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

flow as (
    select w.target_id, w.region_code, w.as_of, sum(w.value) as total
    from in_window as w join grid as g using (target_id, region_code, as_of)
    where g.measure = 'flow' and w.period_end >= g.start_date
      and (g.kind <> 'annual_quantity' or year(w.period_end) = g.measure_year)
    group by all
),

milestone as (
    select w.target_id, w.region_code, w.as_of, max(case when w.value >= 1 then 1 else 0 end) as done
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
        end as actual_value,
        case when g.measure = 'level' then lb.value_before_start
             when g.measure in ('cut', 'reported_cut', 'flow', 'growth', 'milestone') then 0 end as base_value,
        case when g.measure = 'cut' then year(c.latest_end) - g.base_year end as years_since_base,
        coalesce(c.is_estimate, false) as is_estimate,
        d.last_delivery_at
    from grid as g
    left join base_levels as b using (target_id, region_code)
    left join cut as c using (target_id, region_code, as_of)
    left join growth as gr using (target_id, region_code, as_of)
    left join level_latest as l using (target_id, region_code, as_of)
    left join level_before as lb using (target_id, region_code)
    left join flow as f using (target_id, region_code, as_of)
    left join milestone as m using (target_id, region_code, as_of)
    left join last_delivery as d using (target_id, region_code, as_of)
    left join series_delivered as sd using (target_id, region_code)
)

select
    target_id, region_code, as_of, kind, measure, comparator, unit, base_year, start_date, deadline,
    target_value, target_value_source, target_value_illustrative, is_estimate, last_delivery_at,
    -- 6 decimals in the target's unit: a cut of exactly 4.9 % is 4.9, not 4.8999999999
    round(base_value, 6) as base_value,
    round(actual_value, 6) as actual_value,
    round(case when measure = 'level' then actual_value - coalesce(base_value, 0) else actual_value end, 6) as achieved,
    round(case
        when kind = 'annual_reduction' then 100 * (1 - power(1 - target_value / 100, years_since_base))
        when measure = 'level' then target_value - coalesce(base_value, 0)
        when measure = 'milestone' then 1
        else target_value
    end, 6) as required
from measured
