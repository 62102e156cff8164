/* National totals per fiscal year, direction and term, keeping one vintage of each figure. */
with

exchange as (
    select * from int_exchange_unioned
),

params as (
    select * from config.params
),

national as (
    select *
    from exchange
    where institution_type is null and region is null and country is null
),

ranked as (
    select
        national.*,
        row_number() over (
            partition by fiscal_year, direction, term
            order by case when params.exchange_vintage = 'first' then vintage else -vintage end
        ) as vintage_rank,
        -- two editions differ when the figure's min and max do (a distinct count over a
        -- window is DuckDB's alone)
        min(researchers) over (partition by fiscal_year, direction, term) as lowest,
        max(researchers) over (partition by fiscal_year, direction, term) as highest
    from national
    cross join params
),

final as (
    select
        fiscal_year::integer          as fiscal_year,
        direction::varchar            as direction,
        term::varchar                 as term,
        researchers::bigint           as researchers,
        vintage::integer              as vintage,
        published::date               as published,
        (lowest <> highest)::boolean  as revised,
        source::varchar               as source
    from ranked
    where vintage_rank = 1
)

select * from final
