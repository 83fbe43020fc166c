-- 减排工程项目清单 — Emission-reduction projects: one row per project, the newest delivery of each key.
with latest as (
    {{ latest_delivery('env_reduction_projects', ['project_id']) }}
)

select
    *
from latest
