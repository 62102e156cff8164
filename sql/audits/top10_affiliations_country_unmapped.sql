/* warn: Affiliations whose country is not mapped to ISO alpha-3 enter no country's counts (the paper stays in World totals). */
with

affiliations as (
    select * from stg_affiliations
)

select paper_id, address_seq, author_seq, institution, country_raw
from affiliations
where country is null
-- (paper_id, address_seq) as one key sorts alike (neither is ever null) but is no plain
-- column: DuckDB 2.0 splits an ORDER BY on a plain column of a Parquet scan into ranges that
-- each re-read the whole file when a filter is pushed into the scan, 4 times slower here
order by (paper_id, address_seq), author_seq nulls first
