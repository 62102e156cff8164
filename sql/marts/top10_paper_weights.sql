/* One row per paper in a Top10% cell: its weights under both methods and co-authorship class (its cell's threshold is in top10_cells). */
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
