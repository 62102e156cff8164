/* Bilateral author flows, renamed and cast; an empty sex is the all-authors row. */
with

source as (
    select * from raw.author_flows
),

renamed as (
    select
        origin::varchar                 as origin,
        destination::varchar            as destination,
        period_start::integer           as period_start,
        period_end::integer             as period_end,
        coalesce(sex, 'all')::varchar   as sex,
        -- exact decimals: sums do not depend on the order threads add them in
        researchers::decimal(38, 9)     as researchers,
        source::varchar                 as source
    from source
)

select * from renamed
