-- A superseded delivery of a lineage (marts.target_lineage): a revision when its value differs
-- from the current one, "unchanged" when the later file re-delivered the same value (a re-sent
-- row is no revision, and the reader must not take it for one).
{% macro revision_word(old_value, current_value) -%}
case when {{ old_value }} is not distinct from {{ current_value }} then '未变 unchanged' else '被修订 superseded' end
{%- endmacro %}

-- the note after a superseded delivery's detail: what replaced it, or that it is unchanged
{% macro revision_note(old_value, current_value) -%}
case when {{ old_value }} is not distinct from {{ current_value }} then 'unchanged 未变: re-delivered as ' || {{ number_text(current_value) }}
     else 'replaced by ' || {{ number_text(current_value) }} end
{%- endmacro %}
