-- 污染源自动监控小时数据 — Automatic-monitoring hourly data: one row per outlet × hour × pollutant, the newest delivery of each key.
with latest as (
    {{ latest_delivery('env_monitoring_hourly', ['outlet_id', 'measured_at', 'factor']) }}
)

select
    *
from latest
