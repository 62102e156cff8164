/* Published country-level author flows, renamed and cast. */
with

source as (
    select * from raw.author_flows_published
),

renamed as (
    select
        country::varchar        as country,
        period_start::integer   as period_start,
        period_end::integer     as period_end,
        measure::varchar        as measure,
        value::double           as value,
        source::varchar         as source,
        note::varchar           as note
    from source
)

select * from renamed
