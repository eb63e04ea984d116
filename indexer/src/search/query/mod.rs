//! The queries a search's plan builds, and the scorers and bitsets under them: what matches
//! and how it scores (the collector, [`super::collect`], decides what is kept).
//!
//! - [`top_words`]: words alone, the best page by MaxScore with exact sums;
//! - [`seeking_union`]: words beside filters, a union that seeks each word on its own;
//! - [`words_near`]: words near a point, scored inside the radius's bits;
//! - `grouped`, `candidates`: three words or more, half of them needed, and which listings
//!   could still beat a page;
//! - [`term_bitset`]: filters (a radius's cells, needs, days) as bits;
//! - `term_docs`, `term_cache`, `term_maxima`: what is read once per term and segment and kept.

pub(crate) mod candidates;
pub(crate) mod grouped;
pub(crate) mod seeking_union;
pub(crate) mod term_bitset;
pub(crate) mod term_cache;
pub(crate) mod term_docs;
pub(crate) mod term_maxima;
pub(crate) mod top_words;
pub(crate) mod words_near;
