-- Automatic-monitoring transmission rate (METHODS.md) per region and quarter: valid hours /
-- expected hours. An outlet-hour is expected while the outlet is enabled and the plant not
-- stopped (F); valid when a factor arrived with flag N or T; an hour with no record at all is
-- expected and not valid. The province is the sum over all outlets.
with outlets as (
    select outlet_id, region_code, enabled_on, disabled_on
    from {{ ref('stg_env_monitoring_outlets') }}
),

data_span as (
    select min(day) as first_day, max(day) as last_day from {{ ref('int_monitoring_outlet_days') }}
),

outlet_days as (
    -- every day each outlet was enabled, within the span the feed covers
    select o.outlet_id, o.region_code, cast(d.day as date) as day
    from outlets as o, data_span as s,
        range(cast(s.first_day as timestamp), cast(s.last_day as timestamp) + interval 1 day, interval 1 day) as d(day)
    where d.day >= o.enabled_on and (o.disabled_on is null or d.day < o.disabled_on)
),

daily as (
    select od.region_code, od.day,
        24 - coalesce(m.stopped_hours, 0) as expected_hours,
        coalesce(m.valid_hours, 0) as valid_hours
    from outlet_days as od
    left join {{ ref('int_monitoring_outlet_days') }} as m using (outlet_id, day)
),

by_quarter as (
    select region_code, year(day) as year, quarter(day) as quarter,
        sum(expected_hours) as expected_hours, sum(valid_hours) as valid_hours
    from daily group by all
    union all
    select '210000', year(day), quarter(day), sum(expected_hours), sum(valid_hours)
    from daily group by all
)

select region_code, year || 'Q' || quarter as quarter_label, year, quarter,
    cast(last_day(make_date(year, quarter * 3, 1)) as date) as period_end,
    expected_hours, valid_hours,
    round(100.0 * valid_hours / nullif(expected_hours, 0), 6) as transmission_rate
from by_quarter
