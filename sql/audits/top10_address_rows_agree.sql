/* warn: All rows of one address (paper_id, address_seq) name the same institution and country. */
with

affiliations as (
    select * from stg_affiliations
),

disagreeing as (
    -- min <> max finds the addresses with two values far cheaper than distinct counts
    select paper_id, address_seq
    from affiliations
    group by paper_id, address_seq
    having min(coalesce(institution, '')) <> max(coalesce(institution, ''))
        or min(coalesce(country, '')) <> max(coalesce(country, ''))
)

select
    paper_id,
    address_seq,
    count(distinct affiliations.institution) as institutions,
    count(distinct affiliations.country) as countries
from affiliations
inner join disagreeing using (paper_id, address_seq)
group by paper_id, address_seq
order by paper_id, address_seq
