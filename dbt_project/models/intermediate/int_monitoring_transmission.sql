-- Automatic-monitoring transmission rate (docs/METHODS.md) per region and quarter: valid hours /
-- expected hours. An outlet-hour is expected while the outlet is enabled and the plant not
-- stopped (F); valid when a factor arrived with flag N or T; an hour with no record at all is
-- expected and not valid. The province is the sum over all outlets.
with outlets as (
    select outlet_id, region_code, enabled_on, disabled_on
    from {{ ref('stg_env_monitoring_outlets') }}
),

monitored_days as (
    select * from {{ ref('int_monitoring_outlet_days') }}
),

data_span as (
    select min(day) as first_day, max(day) as last_day from monitored_days
),

outlet_days as (
    -- every day each outlet was enabled, within the span the feed covers
    select outlets.outlet_id, outlets.region_code, cast(calendar.day as date) as day
    from outlets, data_span
        {{ lateral_range('cast(data_span.first_day as timestamp)', 'cast(data_span.last_day as timestamp) + interval 1 day',
                         'interval 1 day', 'calendar', 'day') }}
    where calendar.day >= outlets.enabled_on and (outlets.disabled_on is null or calendar.day < outlets.disabled_on)
),

daily as (
    select outlet_days.region_code, outlet_days.day,
        24 - coalesce(monitored_days.stopped_hours, 0) as expected_hours,
        coalesce(monitored_days.valid_hours, 0) as valid_hours
    from outlet_days
    left join monitored_days using (outlet_id, day)
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
    round(cast(100 as double) * valid_hours / nullif(expected_hours, 0), 6) as transmission_rate
from by_quarter
