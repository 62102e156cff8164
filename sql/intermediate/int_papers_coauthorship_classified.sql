/* Co-authorship class of every paper: international, domestic_multi, domestic_single or unknown. */
with

papers as (
    select * from stg_papers
),

located as (
    select * from int_affiliations_located
),

paper_countries as (
    -- distinct pairs first: cheaper than distinct aggregates over every affiliation row
    select paper_id, country from located group by paper_id, country
),

paper_institutions as (
    select paper_id, institution_unit from located group by paper_id, institution_unit
),

by_country as (
    select
        paper_id,
        count(*) as countries,
        string_agg(country, ';' order by country) as country_list
    from paper_countries
    group by paper_id
),

by_institution as (
    select paper_id, count(*) as institutions
    from paper_institutions
    group by paper_id
),

per_paper as (
    select
        by_country.paper_id,
        by_country.countries,
        by_institution.institutions,
        by_country.country_list
    from by_country
    inner join by_institution using (paper_id)
),

final as (
    select
        papers.paper_id::varchar                    as paper_id,
        (case
            when per_paper.paper_id is null then 'unknown'
            when per_paper.countries >= 2 then 'international'
            when per_paper.institutions >= 2 then 'domestic_multi'
            else 'domestic_single'
        end)::varchar                               as coauthorship,
        coalesce(per_paper.countries, 0)::integer   as countries,
        coalesce(per_paper.institutions, 0)::integer as institutions,
        per_paper.country_list::varchar             as country_list
    from papers
    left join per_paper using (paper_id)
)

select * from final
