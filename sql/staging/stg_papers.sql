/* Paper-level records (one row per paper), renamed and cast. */
with

source as (
    select * from raw.papers
),

renamed as (
    select
        paper_id::varchar       as paper_id,
        pub_year::integer       as pub_year,
        field::varchar          as field,
        doc_type::varchar       as doc_type,
        citations::bigint       as citations,
        source::varchar         as source
    from source
)

select * from renamed
