-- 减排工程项目清单 — Emission-reduction projects: one row per project, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'env_reduction_projects', ['project_id'] %}
-- and staging.env_reduction_projects_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    *
from latest
