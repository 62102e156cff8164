/* Papers that enter Top10% cells and counts: the document types in top10.doc_types, field defaulted to Unclassified. */
with

papers as (
    select * from stg_papers
),

params as (
    select * from config.params
),

doc_types as (
    -- unnested in a CTE of its own: Spark allows no generator inside lower()/trim()
    select unnest(params.top10_doc_types) as doc_type
    from params
),

selected as (
    select
        papers.paper_id::varchar                                              as paper_id,
        papers.pub_year::integer                                              as pub_year,
        -- a paper without a field is normalised within a field of its own, never dropped
        coalesce(nullif(trim(papers.field), ''), 'Unclassified')::varchar     as field,
        lower(trim(papers.doc_type))::varchar                                 as doc_type,
        papers.citations::bigint                                              as citations,
        coalesce(papers.source, 'unspecified')::varchar                       as source
    from papers
    where lower(trim(papers.doc_type)) in (
        select lower(trim(doc_types.doc_type)) from doc_types
    )
)

select * from selected
