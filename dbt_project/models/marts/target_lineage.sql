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

region_names as (
    -- every name a delivered row may give a region: its code, its name, a city's name without 市
    -- (朝阳 for 朝阳市) and the seed region_aliases — to find a region in a quarantined row's cells
    select code, code as name from regions
    union select code, name_zh from regions
    union select code, regexp_replace(name_zh, '市$', '') from regions where level = 'city'
    union select code, alias from {{ ref('region_aliases') }}
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
    -- received_at: Beijing wall-clock time, for the words; received_instant: the instant (TIMESTAMPTZ, as meta.files)
    select file_id, extract, path, {{ beijing_time('received_at') }} as received_at, received_at as received_instant,
        nullif(regexp_extract(notes, 'sheet {{ apostrophe() }}([^{{ apostrophe() }}]*){{ apostrophe() }} read', 1), '') as sheet, rows_loaded, status
    from {{ source('meta', 'files') }}
),

withdrawals as (
    select * from {{ source('meta', 'withdrawals') }}
),

suite_verdicts as (
    select * from {{ source('dq', 'suite_verdicts') }}
),

check_results as (
    select * from {{ source('dq', 'check_results') }}
),

quarantine as (
    select * from {{ source('meta', 'quarantine') }}
),

delivered_values as (
    select * from {{ ref('int_delivered_values') }}
),

allocations as (
    select target_id, region_code, _file_id as file_id, _row as source_row from {{ ref('stg_plan_allocations') }}
),

emission_factors as (
    select * from {{ ref('emission_factors') }}
),

file_periods as (
    -- the first data period of each delivery (macro file_data_periods: the key's period column of
    -- every extract that has one, from the contracts), so a past as-of date lists only deliveries
    -- with data on or before it; a register without a period (boilers, outlets) is always listed
    select * from {{ ref('int_file_periods') }}
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
    -- (a subquery and row_number, not QUALIFY: Spark has no QUALIFY)
    select target_id, region_code, as_of, indicator, measure, period, period_end, value, unit, is_estimate,
        parts_expected, parts_present, use
    from (
    select rows_.target_id, rows_.region_code, rows_.as_of, rows_.indicator, rows_.measure,
        indicator_values.period, indicator_values.period_end, indicator_values.value, indicator_values.unit,
        indicator_values.is_estimate, indicator_values.parts_expected, indicator_values.parts_present,
        indicator_values.period_type as figure_period_type,
        row_number() over (partition by rows_.target_id, rows_.region_code, rows_.as_of, indicator_values.period
                           order by indicator_values.period_end) as figure_rank,
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
    ) as figures
    where (measure <> 'growth' or figure_period_type = 'year') and figure_rank = 1
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
        {{ ordered_text('expected.period', ', ', 'expected.period') }} as lacking
    from (
        select flow_periods.*, case flow_periods.period_type when 'month' then {{ format_time('t.start', '%Y-%m') }}
                                                            else {{ format_time('t.start', '%Y') }} end as period
        from flow_periods
            {{ lateral_series('cast(flow_periods.progress_from as timestamp)', 'cast(flow_periods.horizon as timestamp)',
                              "case flow_periods.period_type when 'month' then interval 1 month else interval 1 year end", 't', 'start') }}
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

-- the current figures of a level's or amount's series that are each one delivered row (sewer
-- coverage of a county, a city's vehicle retirements of a month): their file and row
delivered_used as (
    select used.target_id, used.region_code, used.as_of, used.period, delivered_values.extract, delivered_values.measure,
        delivered_values.value, delivered_values.unit, delivered_values.file_id, delivered_values.source_row,
        delivered_values.superseded
    from used
    join rows_ using (target_id, region_code, as_of)
    join delivered_values
        on {{ list_has(split_text('rows_.source_extracts', ' '), 'delivered_values.extract') }}
        and delivered_values.region_code = used.region_code and delivered_values.period = used.period
        -- a progress report is the target's own figure (keyed by target)
        and (delivered_values.target_id is null or delivered_values.target_id = used.target_id)
    where used.indicator not in (select distinct indicator from inputs)
),

delivered_rows as (
    select delivered_used.target_id, delivered_used.region_code, delivered_used.as_of, 40 as step_order, 2 as depth,
        'input' as step, printf('%s %s %s (delivered)', delivered_used.measure, delivered_used.region_code, delivered_used.period) as label,
        printf('%s%s — %s%s row %d, received %s +08:00', {{ number_text("delivered_used.value") }}, coalesce(' ' || delivered_used.unit, ''),
               files.path, coalesce(', sheet ' || files.sheet, ''), delivered_used.source_row,
               {{ format_time("files.received_at", '%Y-%m-%d %H:%M') }}) as detail,
        delivered_used.period, delivered_used.value, delivered_used.unit, delivered_used.extract, delivered_used.file_id,
        delivered_used.source_row,
        printf('%s 1 %s 1 %s %s 0', delivered_used.period, delivered_used.period, delivered_used.measure, delivered_used.period) as sort_key
    from delivered_used
    join files on files.file_id = delivered_used.file_id
    union all
    select delivered_used.target_id, delivered_used.region_code, delivered_used.as_of, 40, 3, 'superseded',
        printf('%s %s %s %s', delivered_used.measure, delivered_used.region_code, delivered_used.period,
               {{ revision_word('s.value', 'delivered_used.value') }}),
        printf('%s%s — %s%s row %d, received %s +08:00 (%s)', {{ number_text("s.value") }}, coalesce(' ' || delivered_used.unit, ''),
               files.path, coalesce(', sheet ' || files.sheet, ''), s.source_row, {{ format_time("files.received_at", '%Y-%m-%d %H:%M') }},
               {{ revision_note('s.value', 'delivered_used.value') }}),
        delivered_used.period, s.value, delivered_used.unit, delivered_used.extract, s.file_id, s.source_row,
        printf('%s 1 %s 1 %s %s 1', delivered_used.period, delivered_used.period, delivered_used.measure, delivered_used.period)
    from (select delivered_used.*, s from delivered_used {{ lateral_unnest('delivered_used.superseded', 't', 's') }}) as delivered_used
    join files on files.file_id = s.file_id
),

-- each row with each of its extracts (target_indicators.source_extracts, space-separated)
row_extracts as (
    select rows_.*, extract_name from rows_ {{ lateral_unnest(split_text('rows_.source_extracts', ' '), 'x', 'extract_name') }}
),

-- the deliveries each row's figures come from: the files of its listed inputs and delivered rows;
-- for a sum of parts (a province's amount) every delivery of its extracts with data up to the as-of date
row_files as (
    select used.target_id, used.region_code, used.as_of, inputs.extract, inputs.file_id
    from used
    join inputs on inputs.indicator = used.indicator and inputs.region_code = used.region_code and inputs.period = used.period
    union
    select target_id, region_code, as_of, extract, file_id from delivered_used
    union
    select rows_.target_id, rows_.region_code, rows_.as_of, files.extract, files.file_id
    from row_extracts as rows_
    join files on files.extract = rows_.extract_name and files.status = 'loaded'
    left join file_periods on file_periods.file_id = files.file_id
    where files.file_id not in (select file_id from withdrawals)
        and rows_.indicator not in (select distinct indicator from inputs)
        and not exists (select 1 from delivered_used
                        where delivered_used.target_id = rows_.target_id and delivered_used.region_code = rows_.region_code
                          and delivered_used.as_of = rows_.as_of)
        and coalesce(file_periods.first_period_end <= rows_.as_of, true)
),

file_verdicts as (
    -- each file's verdict: the evaluation of a suite of new deliveries (raw_*) that judged it —
    -- dq.check_results.judged_files — the newest when it was judged again after a withdrawal
    select target_id, region_code, as_of, file_id, suite, checked_at, verdict, judged from (
    select row_files.target_id, row_files.region_code, row_files.as_of, row_files.file_id, suite_verdicts.suite,
        suite_verdicts.checked_at, suite_verdicts.verdict, {{ list_length('suite_verdicts.judged_files') }} as judged,
        max(suite_verdicts.checked_at)
            over (partition by row_files.target_id, row_files.region_code, row_files.as_of, row_files.file_id, suite_verdicts.suite)
            as newest_at
    from row_files
    join suite_verdicts on {{ list_has('suite_verdicts.judged_files', 'row_files.file_id') }}
    ) as verdicts
    where checked_at = newest_at  -- (not QUALIFY: Spark has none)
),

evaluation_findings as (
    -- each failed expectation of an evaluation, its stored examples in full
    select suite, checked_at,
        {{ ordered_text("severity || ': ' || expectation || coalesce('(' || column_name || ')', '')
                   || coalesce(' — ' || observed_value, '') || coalesce(' e.g. ' || unexpected, '')
                   || coalesce(' — ' || message, '')", '; ', 'expectation, column_name') }} as findings
    from check_results
    where not success
    group by all
),

-- suites not recorded per file (cross-extract quality suites): their newest verdict, and only
-- the stored examples that name the row's region and, when they name a year, one of its years
suite_examples as (
    select rows_.target_id, rows_.region_code, rows_.as_of, newest.suite, newest.verdict, newest.checked_at,
        {%- set years_named = "regexp_extract_all(example, " ~ "'(?:^|[^0-9])((?:19|20)[0-9]{2})(?:[^0-9]|$)'" ~ ", 1)" %}
        {{ distinct_list('example', "example is not null
              and (contains(example, rows_.region_code) or contains(example, regions.name_zh))
              and (" ~ list_length(years_named) ~ " = 0
                   or " ~ list_any(years_named, 'y', 'cast(y as integer) between coalesce(rows_.base_year, year(rows_.progress_from))
                                                                           and year(coalesce(rows_.data_period_end, rows_.as_of))') ~ ")") }} as examples
    from rows_
    join regions on regions.code = rows_.region_code
    join (select * from (select *, max(checked_at) over (partition by suite) as newest_at from suite_verdicts) as v
          where checked_at = newest_at) as newest
        on newest.judged_files is null
        and {{ lists_overlap('newest.extracts', split_text('rows_.source_extracts', ' ')) }}
    left join (select suite, checked_at, {{ unnest_list(json_texts('unexpected', '$[*]')) }} as example
               from check_results where not success) as failed
        on failed.suite = newest.suite and failed.checked_at = newest.checked_at
    group by all
),

input_checks as (
    -- one line per evaluation that judged the target's files (a revision judged the next night is
    -- a second line): its own time, the target's files it judged, its verdict and its findings
    select file_verdicts.target_id, file_verdicts.region_code, file_verdicts.as_of, 100 as step_order, 1 as depth, 'check' as step,
        printf('%s: %s', file_verdicts.suite, any_value(file_verdicts.verdict)) as label,
        printf('本目标的输入文件 the target{{ apostrophe() }}s files it judged: %s (evaluation of %s +08:00, %d file(s) in all)%s',
               {{ distinct_text('files.path', ', ') }},
               {{ format_time(beijing_time('file_verdicts.checked_at'), '%Y-%m-%d %H:%M') }},
               any_value(file_verdicts.judged),
               coalesce('; ' || any_value(evaluation_findings.findings), '; all expectations passed')) as detail,
        cast(null as {{ text_type() }}) as period, cast(null as double) as value, cast(null as {{ text_type() }}) as unit,
        any_value(files.extract) as extract, cast(null as bigint) as file_id, cast(null as bigint) as source_row,
        file_verdicts.suite || ' ' || {{ format_time("file_verdicts.checked_at", '%Y-%m-%d %H:%M:%S.%f') }} as sort_key
    from file_verdicts
    join files on files.file_id = file_verdicts.file_id
    left join evaluation_findings using (suite, checked_at)
    group by file_verdicts.target_id, file_verdicts.region_code, file_verdicts.as_of, file_verdicts.suite, file_verdicts.checked_at
    union all
    select suite_examples.target_id, suite_examples.region_code, suite_examples.as_of, 101, 1, 'check',
        printf('%s: %s (latest verdict of the extract{{ apostrophe() }}s suite, not recorded per file)', suite_examples.suite, suite_examples.verdict),
        case when suite_examples.verdict = 'passed' then 'all expectations passed'
             when {{ list_length('suite_examples.examples') }} > 0 then '涉及本地区 examples concerning this region: ' || {{ join_list('suite_examples.examples', '; ') }}
             else '无涉及本地区的例子 none of its stored examples (up to 5 per expectation) names this region and its years' end,
        null, null, null, null, null, null, suite_examples.suite
    from suite_examples
),

-- a missing part traced to a quarantined row of the target's extracts (meta.quarantine: the row
-- as delivered) whose region is the row's (for the province, any) and whose period is one it reads
quarantine_cells as (
    -- each quarantined row's cells as delivered (meta.quarantine.cells: JSON), as a list of text
    select quarantine.*, {{ json_texts('quarantine.cells', '$.*') }} as vals
    from quarantine
),

quarantine_named as (
    -- the regions a quarantined row names, by any of their names (region_names)
    select distinct quarantine_cells.file_id, quarantine_cells.row_number, region_names.code
    from quarantine_cells
    join region_names on {{ list_has('quarantine_cells.vals', 'region_names.name') }}
),

quarantine_regions as (
    select quarantine_named.file_id, quarantine_named.row_number,
        {{ distinct_text('part.name_zh', ' ', unordered=true) }} as names
    from quarantine_named
    join regions as part on part.code = quarantine_named.code
    group by quarantine_named.file_id, quarantine_named.row_number
),

quarantined_parts as (
    select rows_.target_id, rows_.region_code, rows_.as_of, 82 as step_order, 1 as depth, 'missing' as step,
        printf('隔离行 quarantined row %d of %s', quarantine.row_number, files.path) as label,
        printf('缺 %s — row %d of %s quarantined: %s ({{ apostrophe() }}%s{{ apostrophe() }}); the row as delivered: %s',
               concat_ws(' ', quarantine_regions.names,
                         {{ join_list(list_where('quarantine.vals', 'v', delivered_period_end('v') ~ ' is not null'), ' ') }}),
               quarantine.row_number, files.path, quarantine.reason, coalesce(quarantine.value, ''),
               cast(quarantine.cells as {{ text_type() }})) as detail,
        cast(null as {{ text_type() }}) as period, cast(null as double) as value, cast(null as {{ text_type() }}) as unit,
        quarantine.extract, quarantine.file_id, quarantine.row_number as source_row,
        lpad(cast(quarantine.row_number as {{ text_type() }}), 9, '0') as sort_key
    from rows_
    join regions on regions.code = rows_.region_code
    join quarantine_cells as quarantine on {{ list_has(split_text('rows_.source_extracts', ' '), 'quarantine.extract') }}
    join files on files.file_id = quarantine.file_id
    left join quarantine_regions
        on quarantine_regions.file_id = quarantine.file_id and quarantine_regions.row_number = quarantine.row_number
    left join quarantine_named
        on quarantine_named.file_id = quarantine.file_id and quarantine_named.row_number = quarantine.row_number
        and quarantine_named.code = rows_.region_code
    where files.file_id not in (select file_id from withdrawals)
        and rows_.parts_present < rows_.parts_expected
        and (regions.level = 'province' or quarantine_named.code is not null)
        and {{ list_any('quarantine.vals', 'v', delivered_period_end('v') ~ "
                                        between least(rows_.progress_from, make_date(coalesce(rows_.base_year, 9999), 1, 1))
                                            and coalesce(rows_.data_period_end, rows_.as_of)") }}
),

missing_cities as (
    -- the cities without a figure for a province sum's period (step 8: which parts are missing)
    select wanted.indicator, wanted.period,
        {{ ordered_text("regions.name_zh || ' ' || regions.code", ', ', 'regions.code') }} as cities
    from (select distinct indicator, period from used
          where region_code = '210000' and parts_present < parts_expected) as wanted
    cross join regions
    left join indicator_values as part
        on part.indicator = wanted.indicator and part.period = wanted.period and part.region_code = regions.code
    where regions.level = 'city' and part.region_code is null
    group by wanted.indicator, wanted.period
),

co2_sums as (
    -- CO2 = coal × factor + oil × factor + gas × factor (int_co2_intensity, the emission_factors seed)
    select used.target_id, used.region_code, used.as_of, 40 as step_order, 2 as depth, 'figure' as step,
        printf('二氧化碳排放 CO2 emissions %s', inputs.component_period) as label,
        {{ ordered_text("printf('%s %s × %s', inputs.measure, " ~ number_text('inputs.value') ~ ", " ~ number_text('emission_factors.factor') ~ ")",
                        ' + ', list_index(array_of(["'coal'", "'oil'", "'gas'"]), 'inputs.measure')) }}
            || printf(' = %s 万吨 CO2 (emission_factors: t CO2 per t of coal and of oil, per 10k m³ of gas)',
                      {{ number_text("round(sum(inputs.value * emission_factors.factor), 4)") }}) as detail,
        inputs.component_period as period, sum(inputs.value * emission_factors.factor) as value, '万吨' as unit,
        cast(null as {{ text_type() }}) as extract, cast(null as bigint) as file_id, cast(null as bigint) as source_row,
        used.period || ' 1 ' || inputs.component_period || ' 0' as sort_key
    from used
    join inputs on inputs.indicator = used.indicator and inputs.region_code = used.region_code and inputs.period = used.period
        and inputs.role = 'numerator'
    join emission_factors on emission_factors.fuel = inputs.measure
    where used.indicator = 'co2_intensity'
    group by used.target_id, used.region_code, used.as_of, used.period, inputs.component_period
),

steps as (
    -- 1. the target, as the plan words it
    select rows_.target_id, rows_.region_code, rows_.as_of, 10 as step_order, 0 as depth, 'target' as step,
        rows_.name_zh || ' ' || rows_.name_en as label,
        printf('%s：%s — target %s %s %s by %s%s%s', rows_.clause, rows_.target_text_zh, rows_.comparator,
               {{ number_text("rows_.target_value") }}, rows_.unit, {{ format_time("rows_.deadline", '%Y-%m-%d') }},
               coalesce(' (' || rows_.target_note || ')', ''),
               case when rows_.target_value_source = 'allocation' then
                        '; 目标值来自分解下达 the region{{ apostrophe() }}s target comes from the plan_allocations extract'
                        || case when rows_.target_value_illustrative then '（示意 illustrative）' else '' end
                    || coalesce(printf(', %s row %d, received %s +08:00', files.path, allocations.source_row,
                                       {{ format_time("files.received_at", '%Y-%m-%d %H:%M') }}), '')
                    else '' end) as detail,
        cast(null as {{ text_type() }}) as period, rows_.target_value as value, rows_.unit,
        case when rows_.target_value_source = 'allocation' then 'plan_allocations' end as extract,
        case when rows_.target_value_source = 'allocation' then allocations.file_id end as file_id,
        case when rows_.target_value_source = 'allocation' then allocations.source_row end as source_row,
        cast(null as {{ text_type() }}) as sort_key
    from rows_
    left join allocations using (target_id, region_code)
    left join files on files.file_id = allocations.file_id
    union all
    -- 2. why the status and warning level: completion against time elapsed and the thresholds
    select rows_.target_id, rows_.region_code, rows_.as_of, 20, 0, 'status',
        rows_.status || ' / ' || coalesce(rows_.warning_level, '—') || coalesce(' ' || rows_.warning_grade_zh, ''),
        concat_ws('; ',
            case when rows_.completion_ratio is not null then
                printf('完成率 completion %.1f%% (achieved %s of required %s)', {{ fixed_point('100 * rows_.completion_ratio', 1) }},
                       {{ number_text("round(rows_.achieved, 4)") }}, {{ number_text("round(rows_.required, 4)") }}) end,
            case when rows_.time_elapsed_ratio is not null then
                printf('时间进度 time elapsed %.1f%% (%s → %s, judged at %s)', {{ fixed_point('100 * rows_.time_elapsed_ratio', 1) }},
                       {{ format_time("rows_.progress_from", '%Y-%m-%d') }}, {{ format_time("rows_.deadline", '%Y-%m-%d') }},
                       coalesce({{ format_time("rows_.data_period_end", '%Y-%m-%d') }}, {{ format_time("rows_.as_of", '%Y-%m-%d') }})) end,
            case rows_.status
                when 'no_data' then '无数据 no figure yet'
                when 'achieved' then '已完成 met by a final figure (or an amount or milestone that cannot go back)'
                when 'about_met' then '约数达标 met when rounded to the plan{{ apostrophe() }}s precision'
                when 'missed' then '未完成 the deadline has passed and the target is not met'
                when 'incomplete' then '数据不完整 past the deadline with a part missing: neither achieved nor missed'
                when 'on_track' then printf('进度正常 on track: met so far, or completion ≥ %.0f%% × time elapsed (warning_thresholds)',
                                            {{ fixed_point('100 * thresholds.on_track', 0) }})
                when 'behind' then printf('进度滞后 behind: completion below %.0f%% but at least %.0f%% × time elapsed (warning_thresholds)',
                                          {{ fixed_point('100 * thresholds.on_track', 0) }}, {{ fixed_point('100 * thresholds.behind', 0) }})
                when 'off_track' then printf('严重滞后 off track: completion below %.0f%% × time elapsed, moving the wrong way, or a cap exceeded (warning_thresholds)',
                                             {{ fixed_point('100 * thresholds.behind', 0) }})
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
                printf('预测期末值 projected at %s: %s %s (区间 range %s–%s; 全期进度 the whole period{{ apostrophe() }}s pace%s) against the target %s',
                       {{ format_time("projection.deadline", '%Y-%m-%d') }}, {{ number_text("round(projection.projected_value, 4)") }}, projection.unit,
                       {{ number_text("round(projection.projected_low, 4)") }}, {{ number_text("round(projection.projected_high, 4)") }},
                       -- with less than a year of figures there is no last-four-quarters pace: the
                       -- projection's note says so (target_projection), and the range is not said to add one
                       case when contains(projection.note, 'less than a year of figures') then ''
                            else ', 区间为近四季度进度 the range adds the last four quarters{{ apostrophe() }} pace' end,
                       {{ number_text("projection.target_value") }}) end,
            projection.projected_method,
            case when projection.required_pace_per_quarter is not null then
                printf('需 needed: %s / 季度 quarter, %s / 年 year (%s)', {{ number_text("round(projection.required_pace_per_quarter, 4)") }},
                       {{ number_text("round(projection.required_pace_per_year, 4)") }}, projection.required_pace_note)
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
                       {{ number_text("round(levels.latest_level, 6)") }}, {{ number_text("round(levels.base_level, 6)") }}, year(rows_.data_period_end) - rows_.base_year,
                       {{ number_text("round(rows_.actual_value, 4)") }}, {{ number_text("round(rows_.cumulative_value, 4)") }})
            when rows_.measure = 'cut' and right(rows_.indicator, 10) = '_emissions' then
                -- a pollutant total is a delivered total, not an intensity
                printf('1 − 排放总量 total(%s) / 排放总量 total(%s) = 1 − %s / %s = %s %%', levels.latest_period, levels.base_period,
                       {{ number_text("round(levels.latest_level, 6)") }}, {{ number_text("round(levels.base_level, 6)") }}, {{ number_text("round(rows_.actual_value, 4)") }})
            when rows_.measure = 'cut' then
                printf('1 − I(%s) / I(%s) = 1 − %s / %s = %s %%%s', levels.latest_period, levels.base_period,
                       {{ number_text("round(levels.latest_level, 6)") }}, {{ number_text("round(levels.base_level, 6)") }}, {{ number_text("round(rows_.actual_value, 4)") }},
                       case when rows_.is_estimate then '（年内估算 within-year estimate）' else '' end)
            when rows_.measure = 'growth' then
                printf('(V(%s) / V(%s))^(1/%d) − 1 = (%s / %s)^(1/%d) − 1 = %s %%', levels.latest_period, levels.base_period,
                       year(rows_.data_period_end) - rows_.base_year, {{ number_text("round(levels.latest_level, 6)") }}, {{ number_text("round(levels.base_level, 6)") }},
                       year(rows_.data_period_end) - rows_.base_year, {{ number_text("round(rows_.actual_value, 4)") }})
            when rows_.measure = 'level' then
                printf('latest %s (%s) − start %s = achieved %s; required %s − %s = %s', {{ number_text("round(rows_.actual_value, 4)") }},
                       levels.latest_period, {{ number_text("round(rows_.base_value, 4)") }}, {{ number_text("round(rows_.achieved, 4)") }},
                       {{ number_text("round(rows_.target_value, 4)") }}, {{ number_text("round(rows_.base_value, 4)") }}, {{ number_text("round(rows_.required, 4)") }})
            when rows_.measure = 'flow' then
                printf('sum of %d figures from %s to %s = %s %s', coalesce(levels.figures, 0), {{ format_time("rows_.progress_from", '%Y-%m-%d') }},
                       {{ format_time("rows_.data_period_end", '%Y-%m-%d') }}, {{ number_text("round(rows_.actual_value, 4)") }}, rows_.unit)
            else printf('latest figure (%s) = %s', levels.latest_period, {{ number_text("round(rows_.actual_value, 4)") }})
        end,
        null, rows_.actual_value, rows_.unit, null, null, null, null
    from rows_ left join levels using (target_id, region_code, as_of)
    union all
    -- 4. each figure of the series used, with its own formula where an intensity model made it
    select used.target_id, used.region_code, used.as_of, 40, 1, 'figure',
        printf('%s %s (%s)', coalesce(indicators.name_zh, used.indicator), used.period, used.use),
        case
            -- (NULL without the same period's figures, as DuckDB's printf gives for a NULL argument;
            -- Spark's would print "null")
            when used.is_estimate and (previous_year.value is null or intensities.cut_yoy is null
                                       or intensities.numerator is null or intensities.denominator is null
                                       or same_period.numerator is null or same_period.denominator is null) then null
            when used.is_estimate then printf('年内估算 within-year estimate: I(%d) × (1 − r(%s)) = %s × (1 − %s) = %s, r = 1 − (%s / %s) / (%s / %s)',
                                             year(used.period_end) - 1, used.period, {{ number_text("round(previous_year.value, 6)") }},
                                             {{ number_text("round(intensities.cut_yoy, 6)") }}, {{ number_text("round(used.value, 6)") }},
                                             {{ number_text("round(intensities.numerator, 4)") }}, {{ number_text("round(intensities.denominator, 4)") }},
                                             {{ number_text("round(same_period.numerator, 4)") }}, {{ number_text("round(same_period.denominator, 4)") }})
            when intensities.denominator is not null and intensities.denominator <> 1 then
                printf('%s / %s = %s', {{ number_text("round(intensities.numerator, 4)") }}, {{ number_text("round(intensities.denominator, 4)") }}, {{ number_text("round(used.value, 6)") }})
            else printf('%s %s', {{ number_text("round(used.value, 6)") }}, coalesce(used.unit, ''))
        end,
        used.period, used.value, used.unit, null, null, null, used.period || ' 0'
    from used
    left join indicators on indicators.indicator = used.indicator
    left join indicator_values as previous_year
        on previous_year.indicator = used.indicator and previous_year.region_code = used.region_code
        and previous_year.period = cast(year(used.period_end) - 1 as {{ text_type() }}) and used.is_estimate
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
        {{ format_text("'%s × %s = %s'", [
               number_text("round(any_value(inputs.value) filter (where inputs.role = 'price_base'), 4)"),
               "coalesce(" ~ ordered_text("printf('%s/100', " ~ number_text('inputs.value') ~ ")", ' × ', 'inputs.input_period',
                                          "inputs.role = 'index'") ~ ", '1')",
               number_text("round(any_value(case when inputs.measure like 'gdp%' then gdp_comparable.gdp_comparable
                                    else gdp_comparable.industrial_va_comparable end), 4)")]) }},
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
        printf('%s%s — %s%s row %d, received %s +08:00', {{ number_text("inputs.value") }}, coalesce(' ' || inputs.unit, ''), files.path,
               coalesce(', sheet ' || files.sheet, ''), inputs.source_row, {{ format_time("files.received_at", '%Y-%m-%d %H:%M') }}),
        inputs.input_period, inputs.value, inputs.unit, inputs.extract, inputs.file_id, inputs.source_row,
        printf('%s 1 %s %d %s %s 0', used.period, inputs.component_period, inputs.role_order, inputs.measure, inputs.input_period)
    from used
    join inputs on inputs.indicator = used.indicator and inputs.region_code = used.region_code and inputs.period = used.period
    join files on files.file_id = inputs.file_id
    union all
    -- 7. the deliveries an input superseded (revisions): an earlier file's figure for the same cell
    select used.target_id, used.region_code, used.as_of, 40, case when inputs.role in ('price_base', 'index') then 4 else 3 end,
        'superseded',
        printf('%s %s %s %s', inputs.measure, inputs.region_code, inputs.input_period,
               {{ revision_word('s.value', 'inputs.value') }}),
        printf('%s%s — %s%s row %d, received %s +08:00 (%s)', {{ number_text("s.value") }}, coalesce(' ' || inputs.unit, ''), files.path,
               coalesce(', sheet ' || files.sheet, ''), s.source_row, {{ format_time("files.received_at", '%Y-%m-%d %H:%M') }}, {{ revision_note('s.value', 'inputs.value') }}),
        inputs.input_period, s.value, inputs.unit, inputs.extract, s.file_id, s.source_row,
        printf('%s 1 %s %d %s %s 1', used.period, inputs.component_period, inputs.role_order, inputs.measure, inputs.input_period)
    from used
    join (select inputs.*, s from inputs {{ lateral_unnest('inputs.superseded', 't', 's') }}) as inputs
        on inputs.indicator = used.indicator and inputs.region_code = used.region_code and inputs.period = used.period
    join files on files.file_id = s.file_id
    union all
    -- 8. missing parts: a sum short of a part (and, for a province sum of cities, which ones)
    select used.target_id, used.region_code, used.as_of, 80, 1, 'missing',
        printf('缺少部分 missing parts %s', used.period),
        printf('应有%d份，实有%d份 %d of %d parts%s', used.parts_expected, used.parts_present, used.parts_present,
               used.parts_expected,
               coalesce('; 缺 missing: ' || missing_cities.cities, '')),
        used.period, null, null, null, null, null, used.period
    from used
    left join missing_cities
        on used.region_code = '210000' and missing_cities.indicator = used.indicator and missing_cities.period = used.period
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
        printf('%s: %d files', rows_.extract_name, count(files.file_id)),
        printf('%d rows loaded; newest %s received %s +08:00', sum(files.rows_loaded), {{ arg_max('files.path', 'files.file_id') }},
               {{ format_time("max(files.received_at)", '%Y-%m-%d %H:%M') }}),
        null, null, null, rows_.extract_name, max(files.file_id), null, rows_.extract_name
    from row_extracts as rows_
    join files on files.extract = rows_.extract_name and files.status = 'loaded'
    left join file_periods on file_periods.file_id = files.file_id
    where files.file_id not in (select file_id from withdrawals)
        and rows_.indicator not in (select distinct indicator from inputs)
        and coalesce(file_periods.first_period_end <= rows_.as_of, true)
    group by rows_.target_id, rows_.region_code, rows_.as_of, rows_.extract_name
    union all
    -- 10. the checks on the target's own inputs (CTE input_checks)
    select * from input_checks
    union all
    -- 11. a level's or amount's figure that is one delivered row: its file and row (CTE delivered_rows)
    select * from delivered_rows
    union all
    -- 12. a missing part traced to the quarantined row that would have been it (CTE quarantined_parts)
    select * from quarantined_parts
    union all
    -- 13. CO2: the fuels times their emission factors (CTE co2_sums)
    select * from co2_sums
)

select steps.target_id, steps.region_code, steps.as_of,
    cast(row_number() over (partition by steps.target_id, steps.region_code, steps.as_of
                            order by steps.step_order, steps.sort_key nulls first, steps.label, steps.file_id desc) as integer) as step_no,
    steps.depth, steps.step, steps.label, steps.detail, steps.period, steps.value, steps.unit, steps.extract,
    steps.file_id, files.path as file_path, files.sheet,
    steps.source_row,
    files.received_instant as received_at
from (select distinct * from steps) as steps
left join files on files.file_id = steps.file_id and steps.step in ('target', 'input', 'superseded', 'deliveries', 'missing')
