{# Seeds on Spark (issue 19). dbt-spark's session connection fills the seed's bindings into the SQL
   text as they are: a quote in a text cell ("Tai'an", "the bureau's …") breaks the statement, and
   an empty cell becomes the text 'None' — silently wrong in a text column. This writes every cell
   as a literal of its own: NULL for an empty cell, a string with Spark's backslash escapes
   otherwise (Spark reads '' inside a literal as two adjacent literals, not as a quote). #}
{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set statements = [] %}
  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for col_name in agate_table.column_names -%}
                  {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                  {%- set type = column_override.get(col_name, inferred_type) -%}
                  {%- set cell = row[loop.index0] -%}
                  {%- if cell is none -%}
                    cast(null as {{ type }})
                  {%- elif cell is sameas true or cell is sameas false -%}
                    cast({{ 'true' if cell else 'false' }} as {{ type }})
                  {%- else -%}
                    cast('{{ (cell | string) | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                  {%- endif -%}
                  {%- if not loop.last %},{% endif -%}
              {%- endfor -%})
              {%- if not loop.last %},{% endif %}
          {%- endfor %}
      {% endset %}
      {% do adapter.add_query(sql, abridge_sql_log=True) %}
      {% if loop.index0 == 0 %}{% do statements.append(sql) %}{% endif %}
  {% endfor %}
  {{ return(statements[0]) }}
{% endmacro %}
