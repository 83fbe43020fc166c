-- 2005年前注册营运黄标车存量 — Stock of commercial yellow-label vehicles registered before 2005: one row per city, the newest delivery of each key.
with latest as (
    {{ latest_delivery('transport_yellow_label_stock', ['region_code']) }}
)

select
    *
from latest
