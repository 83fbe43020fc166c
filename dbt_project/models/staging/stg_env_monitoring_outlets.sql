-- 污染源自动监控点位 — Automatic-monitoring outlets: one row per outlet, the newest delivery of each key.
with latest as (
    {{ latest_delivery('env_monitoring_outlets', ['outlet_id']) }}
)

select
    *
from latest
