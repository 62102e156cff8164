/* Affiliations with a mapped country, each with its institution unit and author unit for counting. */
with

affiliations as (
    select * from stg_affiliations
),

params as (
    select * from config.params
),

located as (
    select
        affiliations.paper_id,
        affiliations.address_seq,
        affiliations.author_seq,
        case
            when params.top10_hk_macau_as_china and affiliations.country in ('HKG', 'MAC') then 'CHN'
            else affiliations.country
        end as country,
        affiliations.institution
    from affiliations
    cross join params
    -- an unmapped country enters no country's counts (audit top10_affiliations_country_unmapped)
    where affiliations.country is not null
),

final as (
    select
        paper_id::varchar                                       as paper_id,
        address_seq::integer                                    as address_seq,
        author_seq::integer                                     as author_seq,
        country::varchar                                        as country,
        institution::varchar                                    as institution,
        -- one institution = one organisation name in one country on the paper; an address
        -- without an organisation name is an institution of its own
        (country || '|' || coalesce(trim(institution), '#address ' || address_seq))::varchar
                                                                as institution_unit,
        -- an address without authors stands for one author of its own
        (case
            when author_seq is not null then 'author ' || author_seq
            else '#address ' || address_seq
        end)::varchar                                           as author_unit
    from located
)

select * from final
