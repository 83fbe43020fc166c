{# An instant (meta.files.received_at, meta.withdrawals.withdrawn_at: TIMESTAMPTZ) as Beijing
   wall-clock time (a plain TIMESTAMP), the plan's clock. Explicit, because a cast between
   TIMESTAMPTZ and TIMESTAMP or DATE goes through the session's TimeZone setting, which is
   the machine's: the same warehouse would give other values elsewhere. #}
{% macro beijing_time(instant) -%}
{{ return(adapter.dispatch('beijing_time')(instant)) }}
{%- endmacro %}
{% macro default__beijing_time(instant) -%}
timezone('Asia/Shanghai', {{ instant }})
{%- endmacro %}
{#- Spark: an instant is a TIMESTAMP; Beijing wall-clock time a TIMESTAMP_NTZ, like DuckDB's TIMESTAMP -#}
{% macro spark__beijing_time(instant) -%}
cast(from_utc_timestamp({{ instant }}, 'Asia/Shanghai') as timestamp_ntz)
{%- endmacro %}
