/* Every selected paper with its Top10% weight and co-authorship class: international, domestic_multi, domestic_single or unknown. */
-- materialized: view
-- (read once, by top10_paper_weights, which keeps every column of it)
with

papers as (
    select * from int_papers_weighted
),

-- the paper x country rows through two imports, one per reader: DuckDB copies a CTE that is
-- read twice before reading it
single_country_shares as (
    select * from int_paper_country_shares
),

multi_country_shares as (
    select * from int_paper_country_shares
),

single_country as (
    -- a paper with one country is one row already
    select paper_id, 1 as countries, institutions, country as country_list
    from single_country_shares
    where paper_countries = 1
),

multi_country as (
    -- the list is sorted after aggregating: far cheaper than an ordered aggregate
    select
        paper_id,
        count(*) as countries,
        sum(institutions) as institutions,
        array_to_string(list_sort(list(country)), ';') as country_list
    from multi_country_shares
    where paper_countries > 1
    group by paper_id
),

per_paper as (
    select * from single_country
    union all
    select * from multi_country
),

classified as (
    select
        papers.*,
        case
            when per_paper.paper_id is null then 'unknown'
            when per_paper.countries >= 2 then 'international'
            when per_paper.institutions >= 2 then 'domestic_multi'
            else 'domestic_single'
        end as coauthorship,
        coalesce(per_paper.countries, 0) as countries,
        coalesce(per_paper.institutions, 0) as institutions,
        per_paper.country_list
    from papers
    left join per_paper using (paper_id)
),

final as (
    select
        paper_id::varchar                       as paper_id,
        pub_year::integer                       as pub_year,
        field::varchar                          as field,
        doc_type::varchar                       as doc_type,
        citations::bigint                       as citations,
        source::varchar                         as source,
        weight_cwts::double                     as weight_cwts,
        weight_nistep::double                   as weight_nistep,
        weight::double                          as weight,
        coauthorship::varchar                   as coauthorship,
        countries::integer                      as countries,
        institutions::integer                   as institutions,
        country_list::varchar                   as country_list
    from classified
)

select * from final
