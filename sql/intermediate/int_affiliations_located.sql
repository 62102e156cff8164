/* Affiliations with a mapped country, with the keys that tell a paper's institutions and authors apart. */
-- materialized: view
-- (its consumers read a few columns once each: a copy of every affiliation would cost more)
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
        paper_id::varchar                                           as paper_id,
        address_seq::integer                                        as address_seq,
        author_seq::integer                                         as author_seq,
        country::varchar                                            as country,
        institution::varchar                                        as institution,
        -- one institution = one organisation name in one country on the paper, keyed by
        -- (country, institution_name, unnamed_address): an address without an organisation
        -- name (empty or blank, however the file quoted it) is an institution of its own.
        -- Keys, not a concatenated string: no string is built per row
        coalesce(trim(institution), '')::varchar                    as institution_name,
        (case when coalesce(trim(institution), '') = '' then address_seq else 0 end)::integer
                                                                    as unnamed_address,
        -- one author = author_seq; an address without authors stands for one author of its
        -- own (negative: author_seq and address_seq both start at 1)
        coalesce(author_seq, -address_seq)::integer                 as author_key
    from located
)

select * from final
