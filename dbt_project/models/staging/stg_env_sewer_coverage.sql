-- 建成区污水管网覆盖率 — Sewer network coverage of built-up areas: one row per region (city or county) × year, the newest delivery of each key.
with latest as (
    {{ latest_delivery('env_sewer_coverage', ['region_code', 'year']) }}
)

select
    *
from latest
