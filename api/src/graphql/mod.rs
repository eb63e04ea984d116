//! The GraphQL schema, apart from any transport: `build_schema` for serving, `sdl` for the
//! published contract in `schema.graphql`.
//!
//! # Layout
//! - [`places`]: places, population, postcodes.
//! - [`listings`]: organisations, services, locations, schedules, funds.
//! - [`needs`]: the need taxonomy.
//! - [`search`]: search and type-ahead.
//! - [`signpost`]: signposting for link workers.
//! - [`gaps`]: gap reports per Place and the gap matrix.
//! - [`areas`]: loading area packs and defining custom Places (admins).
//! - [`editing`]: mutations: organisations edit their listings, moderators review them.
//! - [`moderation`]: `me`, the moderation queue, stale listings, history; principals and tokens.
//! - [`sources`]: import sources (admins) and where a listing came from (`provenance`).
//! - [`connection`]: Relay connections and cursors.
//! - [`args`], [`error`]: argument parsing and the error-code mapping; [`codes`] gives the
//!   errors async-graphql raises itself (parsing, validation, limits) their codes; [`order`]
//!   answers fields in the order they were selected.

pub mod areas;
pub mod args;
pub mod codes;
pub mod connection;
pub mod editing;
pub mod error;
pub mod gaps;
pub mod listings;
pub mod moderation;
pub mod needs;
pub mod order;
pub mod places;
pub mod search;
pub mod signpost;
pub mod sources;

use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};
use indexer::Directory;

/// Every root query field, merged by area.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    places::PlaceQuery,
    listings::ListingQuery,
    needs::NeedQuery,
    gaps::GapQuery,
    search::SearchQuery,
    signpost::SignpostQuery,
    moderation::ModerationQuery,
    sources::SourceQuery,
);

/// Every root mutation field, merged by area.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    editing::EditingMutation,
    moderation::AccountMutation,
    places::PlaceMutation,
    areas::AreaMutation,
    sources::SourceMutation,
);

pub type DirectorySchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Limits that keep a hostile query from tying up the server.
const MAX_DEPTH: usize = 16;
const MAX_COMPLEXITY: usize = 5_000;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(QueryRoot::default(), MutationRoot::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(codes::ErrorCodesFactory)
        .extension(order::SelectionOrderFactory)
}

/// The schema, serving `directory`.
pub fn build_schema(directory: Directory) -> DirectorySchema {
    builder().data(directory).finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
