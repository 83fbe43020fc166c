-- The as-of dates of the progress marts: every quarter-end (year-ends included) from 2010 up to
-- the run's as-of date (var as_of), and no later than the last period any extract delivered.
with latest_data as (
    select max(period_end) as last_period_end from (
        select period_end from {{ ref('stg_stats_city_indicators') }}
        union all select make_date(year, 12, 31) from {{ ref('stg_env_pollutant_totals') }}
        union all select period_end from {{ ref('stg_transport_vehicle_retirements') }}
        union all select period_end from {{ ref('stg_env_disclosure') }}
    ) as period_ends
),

bounds as (
    select {% if var('as_of') %} least(date '{{ var("as_of") }}', last_period_end)
           {% else %} last_period_end {% endif %} as run_as_of
    from latest_data
)

select cast(last_day(quarter_last_month) as date) as as_of
from bounds
    {{ lateral_range("date '2010-03-01'", 'cast(bounds.run_as_of as timestamp) + interval 1 day', 'interval 3 month', 't', 'quarter_last_month') }}
where last_day(quarter_last_month) <= bounds.run_as_of
