/* warn: All rows of one address (paper_id, address_seq) name the same institution and country. */
with

-- the affiliations through two imports, one per reader: DuckDB copies a CTE that is read
-- twice before reading it
affiliations as (
    select * from stg_affiliations
),

candidate_affiliations as (
    select * from stg_affiliations
),

candidates as (
    -- min <> max over one 64-bit hash per row finds the addresses with two values far
    -- cheaper than over the strings (two values hash alike by a 1 in 2^64 chance only); the
    -- few candidates, null against '' among them, are checked on the values below
    select paper_id, address_seq
    from affiliations
    group by paper_id, address_seq
    having min(hash(institution, country)) <> max(hash(institution, country))
),

disagreeing as (
    select
        paper_id,
        address_seq,
        count(distinct candidate_affiliations.institution) as institutions,
        count(distinct candidate_affiliations.country) as countries
    from candidate_affiliations
    inner join candidates using (paper_id, address_seq)
    group by paper_id, address_seq
    having
        min(coalesce(candidate_affiliations.institution, ''))
            <> max(coalesce(candidate_affiliations.institution, ''))
        or min(coalesce(candidate_affiliations.country, ''))
            <> max(coalesce(candidate_affiliations.country, ''))
)

select paper_id, address_seq, institutions, countries
from disagreeing
order by paper_id, address_seq
