-- Where each figure of target_progress comes from (issue 17, "explain a figure"): for every
-- target × region × as-of date, the chain down to the deliveries as ordered rows a BI tool can
-- show and `plantrack explain` prints — the target and its wording in the plan, why the status
-- and warning level are what they are, the method with the numbers filled in, each figure of the
-- series it used (an intensity with its numerator and denominator, a comparable-price GDP with
-- its index chain), each delivered input with its file, sheet, row and received time, the
-- deliveries it superseded, missing parts, and the checks on its extracts.
-- Nothing is computed a second way: the numbers are those of target_progress, int_indicator_values,
-- the int_* intensity models, int_gdp_comparable and int_indicator_inputs (which names the inputs).
-- Series not listed value by value (registers, the hourly monitoring feed, reports) are summarised
-- by their extract's deliveries: one row per extract with its files, never one row per hour.
with progress as (
    select * from {{ ref('target_progress') }}
),

measurements as (
    select target_id, region_code, as_of, measure, base_year, start_date, progress_from, cumulative_value
    from {{ ref('int_target_measurements') }}
),

targets as (
    select * from {{ ref('targets') }}
),

target_indicators as (
    select * from {{ ref('target_indicators') }}
),

indicator_values as (
    select * from {{ ref('int_indicator_values') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

regions as (
    select * from {{ ref('regions') }}
),

warning_thresholds as (
    select * from {{ ref('warning_thresholds') }}
),

inputs as (
    select * from {{ ref('int_indicator_inputs') }}
),

gdp_comparable as (
    select * from {{ ref('int_gdp_comparable') }}
),

intensities as (
    -- numerator, denominator and year-on-year cut of each intensity or total (macro intensity_series)
    select region_code, indicator, period, numerator, denominator, cut_yoy from {{ ref('int_energy_intensity') }}
    union all select region_code, indicator, period, numerator, denominator, cut_yoy from {{ ref('int_co2_intensity') }}
    union all select region_code, indicator, period, numerator, denominator, cut_yoy from {{ ref('int_electricity_intensity') }}
    union all select region_code, indicator, period, numerator, denominator, cut_yoy from {{ ref('int_industrial_energy_intensity') }}
    union all select region_code, indicator, period, numerator, denominator, cut_yoy from {{ ref('int_freight_energy_intensity') }}
    union all select region_code, indicator, period, numerator, denominator, cut_yoy from {{ ref('int_pollutant_emissions') }}
),

files as (
    select file_id, extract, path, {{ beijing_time('received_at') }} as received_at,
        nullif(regexp_extract(notes, 'sheet ''([^'']*)'' read', 1), '') as sheet, rows_loaded, status
    from {{ source('meta', 'files') }}
),

withdrawals as (
    select * from {{ source('meta', 'withdrawals') }}
),

current_verdicts as (
    select * from {{ source('dq', 'current_verdicts') }}
),

thresholds as (
    select
        max(min_completion_vs_time) filter (where status = 'on_track') as on_track,
        max(min_completion_vs_time) filter (where status = 'behind') as behind
    from warning_thresholds
),

rows_ as (
    select progress.*, measurements.measure, measurements.base_year, measurements.start_date,
        measurements.progress_from, measurements.cumulative_value, target_indicators.indicator,
        target_indicators.source_extracts, target_indicators.from_register,
        targets.name_zh, targets.name_en, targets.value as plan_value, targets.deadline, targets.note as target_note
    from progress
    join measurements using (target_id, region_code, as_of)
    join target_indicators using (target_id)
    join targets using (target_id)
),

-- the figures of the series each row used (int_target_measurements: which periods each measure reads)
used as (
    select rows_.target_id, rows_.region_code, rows_.as_of, rows_.indicator, rows_.measure,
        indicator_values.period, indicator_values.period_end, indicator_values.value, indicator_values.unit,
        indicator_values.is_estimate, indicator_values.parts_expected, indicator_values.parts_present,
        case
            when rows_.measure in ('cut', 'growth') and indicator_values.period_type = 'year'
                 and year(indicator_values.period_end) = rows_.base_year then 'base'
            when indicator_values.period_end = rows_.data_period_end then 'latest'
            when rows_.measure = 'level' and indicator_values.period_end = cast(rows_.progress_from - interval 1 day as date) then 'base'
            else 'part'
        end as use
    from rows_
    join indicator_values
        on indicator_values.indicator = rows_.indicator and indicator_values.region_code = rows_.region_code
    where (rows_.measure in ('cut', 'growth') and indicator_values.period_type = 'year'
               and year(indicator_values.period_end) = rows_.base_year)
       or indicator_values.period_end = rows_.data_period_end
       or (rows_.measure = 'level' and indicator_values.period_end = cast(rows_.progress_from - interval 1 day as date))
       or (rows_.measure = 'flow' and indicator_values.period_end >= rows_.progress_from
           and indicator_values.period_end <= rows_.data_period_end)
    qualify (rows_.measure <> 'growth' or indicator_values.period_type = 'year')
        and row_number() over (partition by rows_.target_id, rows_.region_code, rows_.as_of, indicator_values.period) = 1
),

levels as (
    select target_id, region_code, as_of,
        max(value) filter (where use = 'base') as base_level,
        max(value) filter (where use = 'latest') as latest_level,
        max(period) filter (where use = 'base') as base_period,
        max(period) filter (where use = 'latest') as latest_period,
        count(*) as figures
    from used group by all
),

flow_periods as (
    -- the periods a flow short of a part expects (int_target_measurements: from the start up to the
    -- newest period any region delivered by the cutoff), to name those the region lacks
    select rows_.target_id, rows_.region_code, rows_.as_of, rows_.indicator, any_value(indicator_values.period_type) as period_type,
        rows_.progress_from, max(indicator_values.period_end) as horizon
    from rows_
    join indicator_values
        on indicator_values.indicator = rows_.indicator and indicator_values.period_end <= least(rows_.as_of, rows_.deadline)
    where rows_.measure = 'flow' and not rows_.from_register and rows_.parts_present < rows_.parts_expected
    group by all
),

flow_gaps as (
    select expected.target_id, expected.region_code, expected.as_of,
        string_agg(expected.period, ', ' order by expected.period) as lacking
    from (
        select flow_periods.*, case flow_periods.period_type when 'month' then strftime(t.start, '%Y-%m')
                                                            else strftime(t.start, '%Y') end as period
        from flow_periods,
            unnest(generate_series(cast(flow_periods.progress_from as timestamp), cast(flow_periods.horizon as timestamp),
                                   case flow_periods.period_type when 'month' then interval 1 month else interval 1 year end)) as t(start)
        where flow_periods.period_type in ('month', 'year')
    ) as expected
    left join indicator_values
        on indicator_values.indicator = expected.indicator and indicator_values.region_code = expected.region_code
        and indicator_values.period = expected.period
    where indicator_values.period is null
    group by all
),

projection as (
    -- where an open target lands at its deadline if the pace so far continues (target_projection:
    -- the latest as-of date only), a projection that changes no status
    select * from {{ ref('target_projection') }}
),

steps as (
    -- 1. the target, as the plan words it
    select rows_.target_id, rows_.region_code, rows_.as_of, 10 as step_order, 0 as depth, 'target' as step,
        rows_.name_zh || ' ' || rows_.name_en as label,
        printf('%s：%s — target %s %s %s by %s%s%s', rows_.clause, rows_.target_text_zh, rows_.comparator,
               cast(rows_.target_value as varchar), rows_.unit, strftime(rows_.deadline, '%Y-%m-%d'),
               coalesce(' (' || rows_.target_note || ')', ''),
               case when rows_.target_value_source = 'allocation' then
                        '; 目标值来自分解下达 the region''s target comes from the plan_allocations extract'
                        || case when rows_.target_value_illustrative then '（示意 illustrative）' else '' end
                    else '' end) as detail,
        cast(null as varchar) as period, rows_.target_value as value, rows_.unit,
        cast(null as varchar) as extract, cast(null as bigint) as file_id, cast(null as bigint) as source_row,
        cast(null as varchar) as sort_key
    from rows_
    union all
    -- 2. why the status and warning level: completion against time elapsed and the thresholds
    select rows_.target_id, rows_.region_code, rows_.as_of, 20, 0, 'status',
        rows_.status || ' / ' || coalesce(rows_.warning_level, '—') || coalesce(' ' || rows_.warning_grade_zh, ''),
        concat_ws('; ',
            case when rows_.completion_ratio is not null then
                printf('完成率 completion %.1f%% (achieved %s of required %s)', 100 * rows_.completion_ratio,
                       cast(round(rows_.achieved, 4) as varchar), cast(round(rows_.required, 4) as varchar)) end,
            case when rows_.time_elapsed_ratio is not null then
                printf('时间进度 time elapsed %.1f%% (%s → %s, judged at %s)', 100 * rows_.time_elapsed_ratio,
                       strftime(rows_.progress_from, '%Y-%m-%d'), strftime(rows_.deadline, '%Y-%m-%d'),
                       coalesce(strftime(rows_.data_period_end, '%Y-%m-%d'), strftime(rows_.as_of, '%Y-%m-%d'))) end,
            case rows_.status
                when 'no_data' then '无数据 no figure yet'
                when 'achieved' then '已完成 met by a final figure (or an amount or milestone that cannot go back)'
                when 'about_met' then '约数达标 met when rounded to the plan''s precision'
                when 'missed' then '未完成 the deadline has passed and the target is not met'
                when 'incomplete' then '数据不完整 past the deadline with a part missing: neither achieved nor missed'
                when 'on_track' then printf('进度正常 on track: met so far, or completion ≥ %.0f%% × time elapsed (warning_thresholds)',
                                            100 * thresholds.on_track)
                when 'behind' then printf('进度滞后 behind: completion below %.0f%% but at least %.0f%% × time elapsed (warning_thresholds)',
                                          100 * thresholds.on_track, 100 * thresholds.behind)
                when 'off_track' then printf('严重滞后 off track: completion below %.0f%% × time elapsed, moving the wrong way, or a cap exceeded (warning_thresholds)',
                                             100 * thresholds.behind)
            end,
            case when rows_.kind = 'annual_reduction' then '年均目标按年计 a per-year rate: every year must meet it, time does not scale it' end,
            rows_.note),
        null, rows_.completion_ratio, null, null, null, null, null
    from rows_ cross join thresholds
    union all
    -- 2b. a target still open: the projection to the deadline, labelled as one, with the pace it
    -- needs when it misses at this pace (docs/METHODS.md "Projection to the deadline")
    select projection.target_id, projection.region_code, projection.as_of, 25, 0, 'projection',
        projection.projected_status_label,
        concat_ws('; ',
            case when projection.projected_value is not null then
                printf('预测期末值 projected at %s: %s %s (区间 range %s–%s; 全期进度 the whole period''s pace, 区间为近四季度进度 the range adds the last four quarters'' pace) against the target %s',
                       strftime(projection.deadline, '%Y-%m-%d'), cast(round(projection.projected_value, 4) as varchar), projection.unit,
                       cast(round(projection.projected_low, 4) as varchar), cast(round(projection.projected_high, 4) as varchar),
                       cast(projection.target_value as varchar)) end,
            projection.projected_method,
            case when projection.required_pace_per_quarter is not null then
                printf('需 needed: %s / 季度 quarter, %s / 年 year (%s)', cast(round(projection.required_pace_per_quarter, 4) as varchar),
                       cast(round(projection.required_pace_per_year, 4) as varchar), projection.required_pace_note)
                 else projection.required_pace_note end,
            projection.note),
        null, projection.projected_value, projection.unit, null, null, null, null
    from projection
    union all
    -- 3. the method, with the numbers filled in (docs/METHODS.md)
    select rows_.target_id, rows_.region_code, rows_.as_of, 30, 0, 'method',
        case rows_.measure when 'cut' then '降低率 cut' when 'level' then '水平 level' when 'flow' then '累计量 amount'
             when 'growth' then '年均增速 average annual growth' when 'milestone' then '节点 milestone'
             when 'reported_cut' then '部门报告 reported cut' end,
        case
            when rows_.actual_value is null then '无数据 no figure yet'
            when rows_.measure = 'cut' and rows_.kind = 'annual_reduction' then
                printf('1 − (I(%s) / I(%s))^(1/%d) = 1 − (%s / %s)^(1/%d) = %s %% a year (cumulative 1 − I(t)/I(b) = %s %%)',
                       levels.latest_period, levels.base_period, year(rows_.data_period_end) - rows_.base_year,
                       cast(round(levels.latest_level, 6) as varchar), cast(round(levels.base_level, 6) as varchar), year(rows_.data_period_end) - rows_.base_year,
                       cast(round(rows_.actual_value, 4) as varchar), cast(round(rows_.cumulative_value, 4) as varchar))
            when rows_.measure = 'cut' then
                printf('1 − I(%s) / I(%s) = 1 − %s / %s = %s %%%s', levels.latest_period, levels.base_period,
                       cast(round(levels.latest_level, 6) as varchar), cast(round(levels.base_level, 6) as varchar), cast(round(rows_.actual_value, 4) as varchar),
                       case when rows_.is_estimate then '（年内估算 within-year estimate）' else '' end)
            when rows_.measure = 'growth' then
                printf('(V(%s) / V(%s))^(1/%d) − 1 = (%s / %s)^(1/%d) − 1 = %s %%', levels.latest_period, levels.base_period,
                       year(rows_.data_period_end) - rows_.base_year, cast(round(levels.latest_level, 6) as varchar), cast(round(levels.base_level, 6) as varchar),
                       year(rows_.data_period_end) - rows_.base_year, cast(round(rows_.actual_value, 4) as varchar))
            when rows_.measure = 'level' then
                printf('latest %s (%s) − start %s = achieved %s; required %s − %s = %s', cast(round(rows_.actual_value, 4) as varchar),
                       levels.latest_period, cast(round(rows_.base_value, 4) as varchar), cast(round(rows_.achieved, 4) as varchar),
                       cast(round(rows_.target_value, 4) as varchar), cast(round(rows_.base_value, 4) as varchar), cast(round(rows_.required, 4) as varchar))
            when rows_.measure = 'flow' then
                printf('sum of %d figures from %s to %s = %s %s', coalesce(levels.figures, 0), strftime(rows_.progress_from, '%Y-%m-%d'),
                       strftime(rows_.data_period_end, '%Y-%m-%d'), cast(round(rows_.actual_value, 4) as varchar), rows_.unit)
            else printf('latest figure (%s) = %s', levels.latest_period, cast(round(rows_.actual_value, 4) as varchar))
        end,
        null, rows_.actual_value, rows_.unit, null, null, null, null
    from rows_ left join levels using (target_id, region_code, as_of)
    union all
    -- 4. each figure of the series used, with its own formula where an intensity model made it
    select used.target_id, used.region_code, used.as_of, 40, 1, 'figure',
        printf('%s %s (%s)', coalesce(indicators.name_zh, used.indicator), used.period, used.use),
        case
            when used.is_estimate then printf('年内估算 within-year estimate: I(%d) × (1 − r(%s)) = %s × (1 − %s) = %s, r = 1 − (%s / %s) / (%s / %s)',
                                             year(used.period_end) - 1, used.period, cast(round(previous_year.value, 6) as varchar),
                                             cast(round(intensities.cut_yoy, 6) as varchar), cast(round(used.value, 6) as varchar),
                                             cast(round(intensities.numerator, 4) as varchar), cast(round(intensities.denominator, 4) as varchar),
                                             cast(round(same_period.numerator, 4) as varchar), cast(round(same_period.denominator, 4) as varchar))
            when intensities.denominator is not null and intensities.denominator <> 1 then
                printf('%s / %s = %s', cast(round(intensities.numerator, 4) as varchar), cast(round(intensities.denominator, 4) as varchar), cast(round(used.value, 6) as varchar))
            else printf('%s %s', cast(round(used.value, 6) as varchar), coalesce(used.unit, ''))
        end,
        used.period, used.value, used.unit, null, null, null, used.period || ' 0'
    from used
    left join indicators on indicators.indicator = used.indicator
    left join indicator_values as previous_year
        on previous_year.indicator = used.indicator and previous_year.region_code = used.region_code
        and previous_year.period = cast(year(used.period_end) - 1 as varchar) and used.is_estimate
    left join intensities as same_period
        on same_period.indicator = used.indicator and same_period.region_code = used.region_code
        and same_period.period = (year(used.period_end) - 1) || right(used.period, 2) and used.is_estimate
    left join intensities
        on intensities.indicator = used.indicator and intensities.region_code = used.region_code
        and intensities.period = used.period
    union all
    -- 5. a comparable-price denominator: the price-base year's figure chained with the index
    select used.target_id, used.region_code, used.as_of, 40, 2, 'chain',
        printf('%s %s', case when inputs.measure like 'gdp%' then '可比价GDP comparable GDP'
                             else '可比价工业增加值 comparable industrial value added' end, inputs.component_period),
        printf('%s × %s = %s', cast(round(any_value(inputs.value) filter (where inputs.role = 'price_base'), 4) as varchar),
               coalesce(string_agg(printf('%s/100', cast(inputs.value as varchar)), ' × ' order by inputs.input_period)
                            filter (where inputs.role = 'index'), '1'),
               cast(round(any_value(case when inputs.measure like 'gdp%' then gdp_comparable.gdp_comparable
                                    else gdp_comparable.industrial_va_comparable end), 4) as varchar)),
        inputs.component_period, null, '亿元（2013年价格）', null, null, null,
        used.period || ' 1 ' || inputs.component_period || ' 3'
    from used
    join inputs on inputs.indicator = used.indicator and inputs.region_code = used.region_code and inputs.period = used.period
    left join gdp_comparable on gdp_comparable.region_code = used.region_code and gdp_comparable.period = inputs.component_period
    where inputs.role in ('price_base', 'index')
    group by used.target_id, used.region_code, used.as_of, used.period, inputs.measure like 'gdp%', inputs.component_period
    union all
    -- 6. each delivered input, with its file, sheet, row and received time
    select used.target_id, used.region_code, used.as_of, 40, case when inputs.role in ('price_base', 'index') then 3 else 2 end,
        'input',
        printf('%s %s %s (%s, %s)', inputs.measure, inputs.region_code, inputs.input_period, inputs.role, inputs.component_role),
        printf('%s — %s%s row %d, received %s', cast(inputs.value as varchar), files.path, coalesce(', sheet ' || files.sheet, ''),
               inputs.source_row, strftime(files.received_at, '%Y-%m-%d %H:%M')),
        inputs.input_period, inputs.value, null, inputs.extract, inputs.file_id, inputs.source_row,
        printf('%s 1 %s %d %s %s 0', used.period, inputs.component_period, inputs.role_order, inputs.measure, inputs.input_period)
    from used
    join inputs on inputs.indicator = used.indicator and inputs.region_code = used.region_code and inputs.period = used.period
    join files on files.file_id = inputs.file_id
    union all
    -- 7. the deliveries an input superseded (revisions): an earlier file's figure for the same cell
    select used.target_id, used.region_code, used.as_of, 40, case when inputs.role in ('price_base', 'index') then 4 else 3 end,
        'superseded',
        printf('%s %s %s 被修订 superseded', inputs.measure, inputs.region_code, inputs.input_period),
        printf('%s — %s%s row %d, received %s (replaced by %s)', cast(s.value as varchar), files.path, coalesce(', sheet ' || files.sheet, ''),
               s.source_row, strftime(files.received_at, '%Y-%m-%d %H:%M'), cast(inputs.value as varchar)),
        inputs.input_period, s.value, null, inputs.extract, s.file_id, s.source_row,
        printf('%s 1 %s %d %s %s 1', used.period, inputs.component_period, inputs.role_order, inputs.measure, inputs.input_period)
    from used
    join inputs on inputs.indicator = used.indicator and inputs.region_code = used.region_code and inputs.period = used.period,
        unnest(inputs.superseded) as t(s)
    join files on files.file_id = s.file_id
    union all
    -- 8. missing parts: a sum short of a part (and, for a province sum of cities, which ones)
    select used.target_id, used.region_code, used.as_of, 80, 1, 'missing',
        printf('缺少部分 missing parts %s', used.period),
        printf('应有%d份，实有%d份 %d of %d parts%s', used.parts_expected, used.parts_present, used.parts_present,
               used.parts_expected,
               coalesce('; 缺 missing: ' || (select string_agg(regions.name_zh || ' ' || regions.code, ', ' order by regions.code)
                                             from regions
                                             where regions.level = 'city' and used.region_code = '210000'
                                               and not exists (select 1 from indicator_values as part
                                                               where part.indicator = used.indicator and part.period = used.period
                                                                 and part.region_code = regions.code)), '')),
        used.period, null, null, null, null, null, used.period
    from used
    where used.parts_present < used.parts_expected
    union all
    select rows_.target_id, rows_.region_code, rows_.as_of, 81, 1, 'missing', '缺少部分 missing parts (total)',
        printf('应有%d份，实有%d份 %d of %d parts, over the figures used%s', rows_.parts_expected, rows_.parts_present,
               rows_.parts_present, rows_.parts_expected, coalesce('; 无数据的期 periods without a figure: ' || flow_gaps.lacking, '')),
        null, null, null, null, null, null, null
    from rows_
    left join flow_gaps using (target_id, region_code, as_of)
    where rows_.parts_present < rows_.parts_expected and rows_.measure = 'flow'
    union all
    -- 9. series not listed value by value: the deliveries of each extract behind the target
    select rows_.target_id, rows_.region_code, rows_.as_of, 90, 1, 'deliveries',
        printf('%s: %d files', extract.name, count(files.file_id)),
        printf('%d rows loaded; newest %s received %s', sum(files.rows_loaded), arg_max(files.path, files.file_id),
               strftime(max(files.received_at), '%Y-%m-%d %H:%M')),
        null, null, null, extract.name, max(files.file_id), null, extract.name
    from rows_,
        unnest(string_split(rows_.source_extracts, ' ')) as extract(name)
    join files on files.extract = extract.name and files.status = 'loaded'
        and files.file_id not in (select file_id from withdrawals)
    where rows_.indicator not in (select distinct indicator from inputs)
    group by rows_.target_id, rows_.region_code, rows_.as_of, extract.name
    union all
    -- 10. the checks on the extracts behind the target: each suite's current verdict
    select rows_.target_id, rows_.region_code, rows_.as_of, 100, 1, 'check',
        printf('%s: %s', current_verdicts.suite, current_verdicts.verdict),
        coalesce(current_verdicts.findings, 'all expectations passed'),
        null, null, null, extract.name, null, null, current_verdicts.suite
    from rows_,
        unnest(string_split(rows_.source_extracts, ' ')) as extract(name)
    join current_verdicts on list_contains(current_verdicts.extracts, extract.name)
)

select steps.target_id, steps.region_code, steps.as_of,
    cast(row_number() over (partition by steps.target_id, steps.region_code, steps.as_of
                            order by steps.step_order, steps.sort_key nulls first, steps.label, steps.file_id desc) as integer) as step_no,
    steps.depth, steps.step, steps.label, steps.detail, steps.period, steps.value, steps.unit, steps.extract,
    steps.file_id, files.path as file_path, files.sheet,
    steps.source_row,
    files.received_at
from steps
left join files on files.file_id = steps.file_id and steps.step in ('input', 'superseded', 'deliveries')
