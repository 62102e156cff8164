/* Paper affiliations (one row per author and address), renamed and cast. */
with

source as (
    select * from raw.affiliations
),

renamed as (
    select
        paper_id::varchar       as paper_id,
        address_seq::integer    as address_seq,
        author_seq::integer     as author_seq,
        author::varchar         as author,
        institution::varchar    as institution,
        country::varchar        as country,
        country_raw::varchar    as country_raw
    from source
)

select * from renamed
