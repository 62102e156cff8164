/* One row per Top10% cell (field x publication year): its papers, n x top_share, the citation threshold and the weights at it under both methods. */
with

cells as (
    select * from int_papers_cells
),

params as (
    select * from config.params
),

final as (
    select
        cells.field::varchar                                        as field,
        cells.pub_year::integer                                     as pub_year,
        cells.papers::bigint                                        as papers,
        cells.top_share::double                                     as top_share,
        cells.top10_target::double                                  as top10_target,
        cells.threshold::bigint                                     as threshold,
        cells.papers_above::bigint                                  as papers_above,
        cells.papers_at::bigint                                     as papers_at,
        -- what each paper tied at t gets under cwts (those above get 1, those below 0)
        ((cells.top10_target - cells.papers_above) / cells.papers_at)::double
                                                                    as weight_at_threshold,
        cells.nistep_threshold::bigint                              as nistep_threshold,
        cells.nistep_papers::bigint                                 as nistep_papers,
        -- what each paper of S gets under nistep
        (cells.top10_target / cells.nistep_papers)::double          as nistep_weight,
        params.top10_method::varchar                                as method
    from cells
    cross join params
)

select * from final
