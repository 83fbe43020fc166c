{{ config(materialized='incremental', unique_key=['outlet_id', 'day'],
          incremental_strategy='delete+insert') }}
-- Per outlet and day: hours with any record, hours with a valid record (at least one factor with flag N or T) and
-- hours the plant was stopped (a factor flagged F and none valid). Incremental: a nightly run
-- reads only the files delivered since the last one and recomputes the days they touch, so
-- one new day of monitoring data costs one day of work. A later delivery for an hour wins.
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
    select distinct outlet_id, cast(measured_at as date) as day
    from {{ source('raw', 'env_monitoring_hourly') }}
    where _file_id in (select file_id from new_files) or _file_id in (select file_id from withdrawn)
),

hours as (
    -- every delivery of the touched days; the newest per outlet, hour and factor wins (the flag
    -- is in every file of the feed: the contract requires it)
    select hourly.outlet_id, hourly.measured_at, hourly.factor, hourly.flag, hourly._file_id
    from {{ source('raw', 'env_monitoring_hourly') }} as hourly
    join touched_days on touched_days.outlet_id = hourly.outlet_id and touched_days.day = cast(hourly.measured_at as date)
    where hourly._file_id not in (select file_id from withdrawn)
    qualify row_number() over (partition by hourly.outlet_id, hourly.measured_at, hourly.factor
                               order by hourly._file_id desc, hourly._row desc) = 1
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
