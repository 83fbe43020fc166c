-- What completed emission-reduction projects added, per month of actual completion (flows):
-- the scale of each project type (in its own unit) and the new reduction capacities, in the
-- targets' unit (10k t). An unfinished project (no completion date) adds nothing yet.
with done as (
    select * from {{ ref('stg_env_reduction_projects') }} where actual_completion is not null
),

flows as (
    select case project_type
            when '燃煤机组脱硝' then 'coal_unit_denitration'
            when '烟气旁路拆除' then 'flue_bypass_removal'
            when '烧结机脱硫' then 'sinter_desulfurization'
            when '水泥熟料脱硝' then 'clinker_denitration'
            when '污水处理厂提标改造' then 'wwtp_upgrades_capacity'
        end as indicator, actual_completion, scale as value, _delivered_at
    from done where project_type <> '畜禽养殖废弃物处理'
    union all
    select 'wwtp_upgrades_count', actual_completion, 1, _delivered_at
    from done where project_type = '污水处理厂提标改造'
    union all
    select 'so2_reduction_capacity', actual_completion, so2_capacity / 10000, _delivered_at from done
    union all
    select 'nox_reduction_capacity', actual_completion, nox_capacity / 10000, _delivered_at from done
    union all
    select 'cod_reduction_capacity', actual_completion, cod_capacity / 10000, _delivered_at from done
    union all
    select 'nh3n_reduction_capacity', actual_completion, nh3n_capacity / 10000, _delivered_at from done
)

select '210000' as region_code, indicator, {{ format_time('actual_completion', '%Y-%m') }} as period,
    'month' as period_type, cast(last_day(actual_completion) as date) as period_end,
    sum(value) as value, max(_delivered_at) as delivered_at
from flows
where value is not null
group by all
