/* Top10% weight of every selected paper under both methods (cwts, nistep) and the configured one. */
-- materialized: view
-- (a join to the few cells: cheaper to repeat for an audit than to copy every paper once more)
with

papers as (
    select * from int_papers_selected
),

cells as (
    select * from int_papers_cells
),

params as (
    select * from config.params
),

weighted as (
    select
        papers.*,
        cells.papers as cell_papers,
        cells.top10_target,
        cells.threshold,
        -- cwts: papers above t count fully; the papers tied at t share what is left of n x share
        case
            when papers.citations > cells.threshold then 1
            when papers.citations = cells.threshold
                then (cells.top10_target - cells.papers_above) / cells.papers_at
            else 0
        end as weight_cwts,
        -- nistep: every paper of S gets the same weight, so S counts n x share in all
        case
            when papers.citations >= cells.nistep_threshold
                then cells.top10_target / cells.nistep_papers
            else 0
        end as weight_nistep,
        params.top10_method as method
    from papers
    inner join cells
        on papers.field = cells.field and papers.pub_year = cells.pub_year
    cross join params
),

final as (
    select
        paper_id::varchar                       as paper_id,
        pub_year::integer                       as pub_year,
        field::varchar                          as field,
        doc_type::varchar                       as doc_type,
        citations::bigint                       as citations,
        source::varchar                         as source,
        cell_papers::bigint                     as cell_papers,
        top10_target::double                    as top10_target,
        threshold::bigint                       as threshold,
        weight_cwts::double                     as weight_cwts,
        weight_nistep::double                   as weight_nistep,
        (case when method = 'nistep' then weight_nistep else weight_cwts end)::double as weight
    from weighted
)

select * from final
