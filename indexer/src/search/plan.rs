//! Which way a search runs, decided once per request from the request and its words read
//! against the index (see the table in the [module documentation](super)).

use super::request::SearchRequest;
use super::words::ReadText;

/// The way one search runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Words and no filter but kinds (which mask the words' listings), by relevance: the page
    /// by MaxScore over every term (one or two words), or (three or more, grouped) from the
    /// listings the terms' bits say could beat it, each bounded at its field lengths; the
    /// counts, when asked, from the terms' bits in a second pass.
    WordsAlone { grouped: bool },
    /// Words within a radius and no filter that narrows it, or three words or more within a
    /// radius whatever the filters: the words' listings (three words or more: those with
    /// enough of the words) folded into the radius's bits and scored there alone; page and
    /// counts in one pass over every match.
    WordsNear { grouped: bool },
    /// Words beside other filters (or ordered by distance), but for three words or more within a
    /// radius: every match scored in one pass, the words sought at each candidate when the
    /// filters narrow (`narrowing`).
    WordsFiltered { grouped: bool, narrowing: bool },
    /// No words, near a point: the page from rings growing inside the radius; the counts,
    /// when asked, in a second pass.
    Rings,
    /// No words and no point: the first fresh matches are the page; the counts, when asked,
    /// in a second pass.
    FirstFresh,
}

impl Plan {
    /// The plan for `request`, whose text reads as `text`.
    pub fn of(request: &SearchRequest, text: &ReadText) -> Plan {
        let grouped = !text.is_flat();
        match (request.has_words(), &request.near) {
            (false, Some(_)) => Plan::Rings,
            (false, None) => Plan::FirstFresh,
            (true, _) if request.words_alone() => Plan::WordsAlone { grouped },
            (true, Some(_)) if !request.narrowed() || grouped => Plan::WordsNear { grouped },
            (true, _) => Plan::WordsFiltered {
                grouped,
                narrowing: request.narrowed(),
            },
        }
    }

    /// Whether the best page is found without visiting every match (then counting, when asked,
    /// is a pass of its own).
    pub fn page_skips_matches(self) -> bool {
        matches!(self, Plan::WordsAlone { .. } | Plan::Rings | Plan::FirstFresh)
    }

    /// A short name for logs.
    pub fn name(self) -> &'static str {
        match self {
            Plan::WordsAlone { grouped: false } => "words alone",
            Plan::WordsAlone { grouped: true } => "grouped words alone",
            Plan::WordsNear { grouped: false } => "words near",
            Plan::WordsNear { grouped: true } => "grouped words near",
            Plan::WordsFiltered { grouped: false, .. } => "words filtered",
            Plan::WordsFiltered { grouped: true, .. } => "grouped words filtered",
            Plan::Rings => "rings",
            Plan::FirstFresh => "first fresh",
        }
    }
}
