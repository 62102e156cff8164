/* Both accepted forms of exchange data (published table and trip records) in one table. */
with

published_table as (
    select * from stg_exchange
),

trip_records as (
    select * from int_exchange_trips_aggregated
),

unioned as (
    select * from published_table
    union all by name
    select * from trip_records
)

select * from unioned
