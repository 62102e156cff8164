/* warn: All rows of one address (paper_id, address_seq) name the same institution and country. */
with

affiliations as (
    select * from stg_affiliations
)

select
    paper_id,
    address_seq,
    count(distinct institution) as institutions,
    count(distinct country) as countries
from affiliations
group by paper_id, address_seq
having count(distinct coalesce(institution, '')) > 1 or count(distinct coalesce(country, '')) > 1
order by paper_id, address_seq
