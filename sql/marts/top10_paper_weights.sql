/* One row per paper in a Top10% cell: its cell, threshold, weights under both methods and co-authorship class. */
with

papers as (
    select * from int_papers_coauthorship_classified
),

final as (
    select
        papers.paper_id::varchar            as paper_id,
        papers.pub_year::integer            as pub_year,
        papers.field::varchar               as field,
        papers.doc_type::varchar            as doc_type,
        papers.citations::bigint            as citations,
        papers.cell_papers::bigint          as cell_papers,
        papers.top10_target::double         as top10_target,
        papers.threshold::bigint            as threshold,
        papers.papers_above::bigint         as papers_above,
        papers.papers_at::bigint            as papers_at,
        papers.method::varchar              as method,
        papers.weight::double               as weight,
        papers.weight_cwts::double          as weight_cwts,
        papers.weight_nistep::double        as weight_nistep,
        papers.coauthorship::varchar        as coauthorship,
        papers.countries::integer           as countries,
        papers.institutions::integer        as institutions,
        papers.country_list::varchar        as country_list,
        papers.source::varchar              as source
    from papers
)

select * from final
