//! The index schema: field names in one place, and the text analysers.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer,
};
use tantivy::Index;

/// English: lower case, ASCII folding, stop words removed, Snowball stemming (memoised).
pub const ENGLISH: &str = "directory_english";
/// Lower case and ASCII folding only: for place names and type-ahead.
pub const PLAIN: &str = "directory_plain";
/// [`PLAIN`] with stop words removed: how a search's words are read (never used to index, so
/// a stop word is no word in any field, place names included).
pub const WORDS: &str = "directory_words";

/// Every field of the index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// UUID text (stored, indexed for deletes).
    pub id: Field,
    /// The UUID as two u64 fast fields (high and low halves): collecting reads numbers, never
    /// a compressed string dictionary.
    /// A service's [`super::document::OrganizationServices::part_of`]: what it gives its
    /// organisation's document, so the follower can tell whether a change alters that.
    pub organization_part: Field,
    pub id_high: Field,
    pub id_low: Field,
    /// `service`, `organization` or `fund` (indexed for filters, stored).
    pub kind: Field,
    /// The kind as a u64 fast field (see `AssetKind::code`).
    pub kind_code: Field,
    pub name: Field,
    /// The whole name as one term with a fast column, for browsing by name (`browse`): term
    /// and column ordinals follow the names' byte order, as SQLite's `ORDER BY name` does.
    pub name_key: Field,
    /// The name's words unstemmed, for type-ahead.
    pub name_words: Field,
    pub description: Field,
    /// The organisation or funder's name.
    pub organization: Field,
    /// Need labels and keywords and activity names: what the listing is about.
    pub topics: Field,
    /// Town, ward and district names of venues and areas served.
    pub place_names: Field,
    pub need: Field,
    /// GSS codes of every place containing a venue.
    pub place: Field,
    /// GSS codes of areas served without a venue (service areas, fund beneficiary areas).
    pub area: Field,
    /// District codes (venues' districts and district areas), for facets.
    pub district: Field,
    pub cell: Field,
    /// Venues packed as u64 (see `document::pack_venue`).
    pub venue: Field,
    pub min_age: Field,
    pub max_age: Field,
    /// Sessions packed as u64 (see `document::pack_session`).
    pub session: Field,
    pub day: Field,
    pub free: Field,
    pub access: Field,
    pub mode: Field,
    /// Days since 1970-01-01 (funds): first and last day open.
    pub opens: Field,
    pub closes: Field,
    /// Days since 1970-01-01 a person last confirmed the listing (0: never).
    pub reviewed: Field,
    /// The UUID of the listing's organisation (a service's provider, a fund's funder, an
    /// organisation itself), for the ORUK `organization_id` filter.
    pub owner: Field,
    /// OpenActive Activity List concept ids (UUID text), for the ORUK taxonomy filters.
    pub activity: Field,
    /// When the listing last changed, in nanoseconds since 1970 (ORUK `modified_after`).
    pub modified: Field,
}

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text = |analyzer: &str, stored: bool| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions);
            let options = TextOptions::default().set_indexing_options(indexing);
            if stored {
                options.set_stored()
            } else {
                options
            }
        };
        let fast_i64 = NumericOptions::default().set_fast();
        let fields = Fields {
            id: builder.add_text_field("id", STRING | STORED),
            organization_part: builder.add_u64_field("organization_part", FAST),
            id_high: builder.add_u64_field("id_high", FAST),
            id_low: builder.add_u64_field("id_low", FAST),
            kind: builder.add_text_field("kind", STRING | STORED),
            kind_code: builder.add_u64_field("kind_code", FAST),
            name: builder.add_text_field("name", text(ENGLISH, true)),
            name_key: builder.add_text_field("name_key", STRING | FAST),
            name_words: builder.add_text_field("name_words", text(PLAIN, false)),
            description: builder.add_text_field("description", text(ENGLISH, false)),
            organization: builder.add_text_field("organization", text(ENGLISH, false)),
            topics: builder.add_text_field("topics", text(ENGLISH, false)),
            place_names: builder.add_text_field("place_names", text(PLAIN, false)),
            // With frequencies (always 1) so a need named by a synonym scores as a term beside the
            // words, in one flat union of terms.
            need: builder.add_text_field(
                "need",
                (STRING | FAST).set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer("raw")
                        .set_index_option(IndexRecordOption::WithFreqs),
                ),
            ),
            place: builder.add_text_field("place", STRING),
            area: builder.add_text_field("area", STRING | FAST),
            district: builder.add_text_field("district", STRING | FAST),
            cell: builder.add_text_field("cell", STRING),
            venue: builder.add_u64_field("venue", FAST),
            min_age: builder.add_i64_field("min_age", fast_i64.clone()),
            max_age: builder.add_i64_field("max_age", fast_i64.clone()),
            session: builder.add_u64_field("session", FAST),
            day: builder.add_text_field("day", STRING),
            free: builder.add_text_field("free", STRING),
            access: builder.add_text_field("access", STRING),
            mode: builder.add_text_field("mode", STRING),
            opens: builder.add_i64_field("opens", fast_i64.clone()),
            closes: builder.add_i64_field("closes", fast_i64.clone()),
            reviewed: builder.add_i64_field("reviewed", fast_i64.clone()),
            owner: builder.add_text_field("owner", STRING),
            activity: builder.add_text_field("activity", STRING),
            modified: builder.add_i64_field("modified", fast_i64),
        };
        (builder.build(), fields)
    }
}

/// Registers the analysers the schema names.
pub fn register_tokenizers(index: &Index) {
    let stop_words = english_stop_words();
    let english = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(stop_words)
        .filter(super::stemming::MemoStemmer)
        .build();
    let plain = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let words = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(english_stop_words())
        .build();
    index.tokenizers().register(ENGLISH, english);
    index.tokenizers().register(PLAIN, plain);
    index.tokenizers().register(WORDS, words);
}

/// Tantivy's English stop words (Lucene's list: "a", "and", "for", "the", "with" ...).
fn english_stop_words() -> StopWordFilter {
    StopWordFilter::new(Language::English).unwrap_or_else(|| StopWordFilter::remove(Vec::new()))
}

/// The tokens an analyser makes of `text`.
pub fn analyse(index: &Index, analyzer: &str, text: &str) -> Vec<String> {
    let Some(mut analyzer) = index.tokenizers().get(analyzer) else {
        return Vec::new();
    };
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while stream.advance() {
        tokens.push(stream.token().text.clone());
    }
    tokens
}
