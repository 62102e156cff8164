/* Published exchange figures (national totals and breakdowns), renamed and cast. */
with

source as (
    select * from raw.exchange
),

renamed as (
    select
        fiscal_year::integer          as fiscal_year,
        direction::varchar            as direction,
        term::varchar                 as term,
        researchers::bigint           as researchers,
        institution_type::varchar     as institution_type,
        region::varchar               as region,
        country::varchar              as country,
        source::varchar               as source,
        vintage::integer              as vintage,
        published::date               as published,
        'table'::varchar              as form
    from source
)

select * from renamed
