{%- set by_day = incremental_by_day(['outlet_id', 'day'], 'day') -%}
{{ config(materialized='incremental', **by_day.config) }}
-- Per outlet and day: hours with any record, hours with a valid record (at least one factor with flag N or T) and
-- hours the plant was stopped (a factor flagged F and none valid). Incremental: a nightly run
-- reads only the files delivered since the last one and recomputes the days they touch, so
-- one new day of monitoring data costs one day of work. A later delivery for an hour wins.
-- (On Spark a rerun overwrites whole days: every outlet of a touched day is recomputed.)
with new_files as (
    select file_id from {{ source('meta', 'files') }}
    where extract = 'env_monitoring_hourly' and status = 'loaded'
    {% if is_incremental() %}
      and file_id > (select coalesce(max(last_file_id), 0) from {{ this }})
    {% endif %}
),

withdrawn as (
    select file_id from {{ source('meta', 'withdrawals') }}
),

touched_days as (
    -- the days of new files, and of withdrawn ones (their hours fall back to earlier deliveries;
    -- withdrawals are rare, so recomputing their days every night costs little)
    select distinct {% if not by_day.whole_days %}outlet_id, {% endif %}cast(measured_at as date) as day
    from {{ source('raw', 'env_monitoring_hourly') }}
    where _file_id in (select file_id from new_files) or _file_id in (select file_id from withdrawn)
),

hours as (
    -- every delivery of the touched days; the newest per outlet, hour and factor wins (the flag
    -- is in every file of the feed: the contract requires it)
    -- (row_number in a subquery, not QUALIFY: Spark has no QUALIFY)
    select outlet_id, measured_at, factor, flag, _file_id from (
    select hourly.outlet_id, hourly.measured_at, hourly.factor, hourly.flag, hourly._file_id,
        row_number() over (partition by hourly.outlet_id, hourly.measured_at, hourly.factor
                           order by hourly._file_id desc, hourly._row desc) as newest
    from {{ source('raw', 'env_monitoring_hourly') }} as hourly
    join touched_days on {% if not by_day.whole_days %}touched_days.outlet_id = hourly.outlet_id and {% endif -%}
        touched_days.day = cast(hourly.measured_at as date)
    where hourly._file_id not in (select file_id from withdrawn)
    ) as deliveries
    where newest = 1
),

outlet_hours as (
    select outlet_id, date_trunc('hour', measured_at) as hour,
        bool_or(flag in ('N', 'T')) as valid,
        bool_or(flag = 'F') as stopped,
        max(_file_id) as last_file_id
    from hours
    group by all
)

select outlet_id, cast(hour as date) as day,
    count(*) as recorded_hours,
    count(*) filter (where valid) as valid_hours,
    count(*) filter (where stopped and not valid) as stopped_hours,
    max(last_file_id) as last_file_id
from outlet_hours
group by all
