/* One row per paper and mapped country: the paper's institutions there and the country's fractional credit (by institution or by author). */
with

located as (
    select * from int_affiliations_located
),

author_shares as (
    select * from int_paper_country_author_shares
),

params as (
    select * from config.params
),

institutions as (
    -- distinct institutions of each paper and country (int_affiliations_located says what
    -- one is); grouped on plain keys, no string built per row
    select paper_id, country, institution_name, unnamed_address
    from located
    group by paper_id, country, institution_name, unnamed_address
),

by_institution as (
    -- every distinct institution gets an equal share of the paper, summed by country; whole
    -- counting needs no column: it credits every country of the paper 1
    select
        paper_id,
        country,
        count(*) as institutions,
        count(*) over (partition by paper_id) as paper_countries,
        count(*)::double / sum(count(*)) over (partition by paper_id) as share
    from institutions
    group by paper_id, country
),

final as (
    select
        by_institution.paper_id::varchar                    as paper_id,
        by_institution.country::varchar                     as country,
        by_institution.institutions::integer                as institutions,
        -- the paper's countries, beside: a paper with one country needs no aggregation
        -- to be classified
        by_institution.paper_countries::integer             as paper_countries,
        (case
            when params.top10_fractional_unit = 'author' then author_shares.share
            else by_institution.share
        end)::double                                        as fractional_share
    from by_institution
    cross join params
    left join author_shares
        on by_institution.paper_id = author_shares.paper_id
        and by_institution.country = author_shares.country
)

select * from final
