/* Co-authorship class of every paper: international, domestic_multi, domestic_single or unknown. */
with

papers as (
    select * from stg_papers
),

located as (
    select * from int_affiliations_located
),

per_paper as (
    select
        paper_id,
        count(distinct country) as countries,
        count(distinct institution_unit) as institutions,
        string_agg(distinct country, ';' order by country) as country_list
    from located
    group by paper_id
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
