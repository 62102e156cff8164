/* Published country-level author flows, one row per country, period, measure and source, as published. */
with

published as (
    select * from stg_author_flows_published
),

final as (
    select
        country::varchar        as country,
        period_start::integer   as period_start,
        period_end::integer     as period_end,
        measure::varchar        as measure,
        value::double           as value,
        source::varchar         as source,
        note::varchar           as note
    from published
)

select * from final
