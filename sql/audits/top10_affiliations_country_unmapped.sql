/* warn: Affiliations whose country is not mapped to ISO alpha-3 enter no country's counts (the paper stays in World totals). */
with

affiliations as (
    select * from stg_affiliations
)

select paper_id, address_seq, author_seq, institution, country_raw
from affiliations
where country is null
order by paper_id, address_seq, author_seq nulls first
