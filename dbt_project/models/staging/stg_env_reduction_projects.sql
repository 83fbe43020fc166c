-- 减排工程项目清单 — Emission-reduction projects: one row per project, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'env_reduction_projects', ['project_id'] %}
-- and staging.env_reduction_projects_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    project_id,
    -- the measures: each the newest figure delivered
    project_name,
    region_code,
    project_type,
    scale,
    scale_unit,
    planned_completion,
    actual_completion,
    so2_capacity,
    nox_capacity,
    cod_capacity,
    nh3n_capacity,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values
from latest
