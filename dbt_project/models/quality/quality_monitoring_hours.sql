-- Monitoring records against the hours expected, per outlet and month: hours with any record
-- cannot exceed the hours the outlet was enabled (more would mean clock or duplicate errors,
-- or records from an outlet the register does not know), and coverage shows how much of the
-- expected time arrived at all.
with months as (
    select outlet_id, cast(date_trunc('month', day) as date) as month,
        sum(recorded_hours) as hours_with_records, sum(valid_hours) as valid_hours
    from {{ ref('int_monitoring_outlet_days') }}
    group by all
),

outlets as (
    select outlet_id, enabled_on, disabled_on from {{ ref('stg_env_monitoring_outlets') }}
),

spans as (
    select m.*, o.outlet_id is null as unknown_outlet,
        greatest(0, 24 * {{ day_diff('greatest(m.month, o.enabled_on)',
            "least(cast(m.month + interval 1 month as date), coalesce(o.disabled_on, date '9999-12-31'))") }}) as hours_enabled
    from months as m
    left join outlets as o using (outlet_id)
)

select outlet_id, month, hours_with_records, valid_hours, hours_enabled, unknown_outlet,
    hours_with_records / nullif(hours_enabled, 0) as coverage
from spans
