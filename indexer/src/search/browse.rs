//! Browsing listings by name: the services (for a need, in a place) or organisations of the
//! index in (name, id) order, one page after a keyset position, with the exact count when it is
//! asked for. GraphQL's `services` and `organizations` pages are served from here: at a million
//! listings the same page from SQLite took seconds (a filtered `ORDER BY name` and a `COUNT(*)`).
//!
//! # How a page is found, per segment
//! 1. The matching documents as bits: the kind's postings (alive only), and-ed with the need's
//!    postings and with the union of the place's postings (a venue in the place) and the
//!    overlapping places' area postings (a service area overlapping it). The count is the number
//!    of bits. Unfiltered pages that do not ask for a count skip this and check the kind per
//!    document instead.
//! 2. The page: when few documents match, each one's name ordinal (the `name_key` column, whose
//!    ordinals follow byte order) is compared with the cursor's and the smallest are kept; when
//!    many match, the `name_key` terms are walked upwards from the cursor's name and each term's
//!    documents kept while they match, until the page is full.
//!
//! Segments' pages are merged by (name bytes, id): the order SQLite's `ORDER BY name, id` gives
//! (binary collation on UTF-8; a lowercase hyphenated UUID sorts as its 128-bit number).

use tantivy::columnar::{Column, StrColumn};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, SegmentReader, Term, TERMINATED};
use uuid::Uuid;

use super::{index_error, AssetKind, SearchIndex};
use crate::domain::{NeedCode, PlaceCode};
use crate::error::{Error, Result};

/// Segments with at most this many matches order them by their name ordinals; above it, the
/// name terms are walked from the cursor (cheaper when matches are dense).
const ORDINALS_UP_TO: u64 = 50_000;

/// What to browse.
#[derive(Debug, Clone)]
pub struct BrowseRequest<'a> {
    pub kind: AssetKind,
    /// Only listings for this need.
    pub need: Option<NeedCode>,
    /// Only listings with a venue in one of the first places (the place, and a custom Place's
    /// member wards or LSOAs), or serving an area among the second (the overlapping places).
    pub place: Option<(&'a [PlaceCode], &'a [PlaceCode])>,
    /// The keyset position the page starts after.
    pub after: Option<(&'a str, Uuid)>,
    /// How many listings to return.
    pub limit: usize,
    /// Whether to count every match.
    pub count: bool,
}

/// A page of listings by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browsed {
    /// (name, id) in order, at most the request's limit.
    pub keys: Vec<(String, Uuid)>,
    /// Every match, when a count was asked for.
    pub total: Option<u64>,
}

/// One document of a segment's page.
struct Candidate {
    name: String,
    id: Uuid,
}

impl SearchIndex {
    /// The listings matching `request` in (name, id) order after its cursor.
    pub fn browse(&self, request: &BrowseRequest<'_>) -> Result<Browsed> {
        let searcher = self.reader.searcher();
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut total = 0;
        for reader in searcher.segment_readers() {
            let segment = SegmentBrowse::open(self, reader, request)?;
            let (found, count) = segment.page()?;
            candidates.extend(found);
            total += count.unwrap_or(0);
        }
        candidates.sort_by(|a, b| (a.name.as_bytes(), a.id).cmp(&(b.name.as_bytes(), b.id)));
        candidates.truncate(request.limit);
        Ok(Browsed {
            keys: candidates.into_iter().map(|c| (c.name, c.id)).collect(),
            total: request.count.then_some(total),
        })
    }
}

/// One segment's part of a browse.
struct SegmentBrowse<'a> {
    index: &'a SearchIndex,
    reader: &'a SegmentReader,
    request: &'a BrowseRequest<'a>,
    kind: Column<u64>,
    id_high: Column<u64>,
    id_low: Column<u64>,
}

impl<'a> SegmentBrowse<'a> {
    fn open(index: &'a SearchIndex, reader: &'a SegmentReader, request: &'a BrowseRequest<'a>) -> Result<Self> {
        let fast = reader.fast_fields();
        Ok(SegmentBrowse {
            index,
            reader,
            request,
            kind: fast.u64("kind_code").map_err(index_error)?,
            id_high: fast.u64("id_high").map_err(index_error)?,
            id_low: fast.u64("id_low").map_err(index_error)?,
        })
    }

    /// The segment's first `limit` matches after the cursor, and its count of matches (when
    /// asked, or when it was worked out anyway).
    fn page(&self) -> Result<(Vec<Candidate>, Option<u64>)> {
        let filtered = self.request.need.is_some() || self.request.place.is_some();
        if !filtered && !self.request.count {
            return Ok((self.walk_names(&|doc| self.is_kind(doc))?, None));
        }
        let matches = self.matches()?;
        let count = matches.count();
        let page = if count <= ORDINALS_UP_TO {
            self.by_ordinals(&matches)?
        } else {
            self.walk_names(&|doc| matches.contains(doc))?
        };
        Ok((page, Some(count)))
    }

    /// The alive documents of the kind matching every filter.
    fn matches(&self) -> Result<Bits> {
        let fields = &self.index.fields;
        let max_doc = self.reader.max_doc();
        let mut bits = self.postings(&[Term::from_field_text(fields.kind, self.request.kind.as_str())])?;
        if let Some(alive) = self.reader.alive_bitset() {
            bits.retain(|doc| alive.is_alive(doc));
        }
        if let Some(need) = self.request.need {
            bits.and(&self.postings(&[Term::from_field_text(fields.need, need.as_str())])?);
        }
        if let Some((venue_places, overlapping)) = self.request.place {
            let mut terms: Vec<Term> = venue_places
                .iter()
                .map(|code| Term::from_field_text(fields.place, code.as_str()))
                .collect();
            terms.extend(
                overlapping
                    .iter()
                    .map(|code| Term::from_field_text(fields.area, code.as_str())),
            );
            bits.and(&self.postings(&terms)?);
        }
        debug_assert_eq!(bits.words.len(), (max_doc as usize).div_ceil(64));
        Ok(bits)
    }

    /// The documents holding any of `terms`, as bits.
    fn postings(&self, terms: &[Term]) -> Result<Bits> {
        let mut bits = Bits::empty(self.reader.max_doc());
        for term in terms {
            let inverted = self.reader.inverted_index(term.field()).map_err(index_error)?;
            let Some(info) = inverted.get_term_info(term)? else {
                continue;
            };
            let mut postings = inverted.read_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
            let mut doc = postings.doc();
            while doc != TERMINATED {
                bits.insert(doc);
                doc = postings.advance();
            }
        }
        Ok(bits)
    }

    /// Whether an alive document is of the kind browsed (unfiltered pages without a count).
    fn is_kind(&self, doc: DocId) -> bool {
        let alive = self.reader.alive_bitset().is_none_or(|alive| alive.is_alive(doc));
        alive && self.kind.first(doc) == Some(self.request.kind.code())
    }

    /// Few matches: each one's name ordinal against the cursor's, the smallest kept.
    fn by_ordinals(&self, matches: &Bits) -> Result<Vec<Candidate>> {
        let column = self.name_column()?;
        let cursor = self.cursor_in(&column)?;
        let mut kept: Vec<(u64, Uuid)> = Vec::new();
        for doc in matches.iter() {
            let Some(ordinal) = column.term_ords(doc).next() else {
                continue;
            };
            let id = self.id_of(doc)?;
            if cursor.admits(ordinal, id) {
                kept.push((ordinal, id));
            }
        }
        kept.sort_unstable();
        kept.truncate(self.request.limit);
        let mut page = Vec::with_capacity(kept.len());
        let mut name = String::new();
        for (ordinal, id) in kept {
            column
                .ord_to_str(ordinal, &mut name)
                .map_err(|e| Error::Index(e.to_string()))?;
            page.push(Candidate { name: name.clone(), id });
        }
        Ok(page)
    }

    /// Many matches: the name terms from the cursor's name upwards, each term's matching
    /// documents in id order, until the page is full.
    fn walk_names(&self, matching: &dyn Fn(DocId) -> bool) -> Result<Vec<Candidate>> {
        let field = self.index.fields.name_key;
        let inverted = self.reader.inverted_index(field).map_err(index_error)?;
        let from = self.request.after.map_or(&b""[..], |(name, _)| name.as_bytes());
        let mut terms = inverted
            .terms()
            .range()
            .ge(from)
            .into_stream()
            .map_err(|e| Error::Index(e.to_string()))?;
        let mut page = Vec::new();
        while page.len() < self.request.limit && terms.advance() {
            let name = String::from_utf8_lossy(terms.key()).into_owned();
            let after_id = match self.request.after {
                Some((cursor, id)) if cursor == name => Some(id),
                _ => None,
            };
            let mut postings = inverted.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            let mut ids = Vec::new();
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if matching(doc) {
                    let id = self.id_of(doc)?;
                    if after_id.is_none_or(|after| id > after) {
                        ids.push(id);
                    }
                }
                doc = postings.advance();
            }
            ids.sort_unstable();
            page.extend(ids.into_iter().map(|id| Candidate { name: name.clone(), id }));
        }
        page.truncate(self.request.limit);
        Ok(page)
    }

    fn name_column(&self) -> Result<StrColumn> {
        self.reader
            .fast_fields()
            .str("name_key")
            .map_err(index_error)?
            .ok_or_else(|| Error::Index("the index has no name_key column; rebuild it".into()))
    }

    /// Where the cursor falls among the segment's name ordinals.
    fn cursor_in(&self, column: &StrColumn) -> Result<Cursor> {
        let Some((name, id)) = self.request.after else {
            return Ok(Cursor::Start);
        };
        let dictionary = column.dictionary();
        if let Some(ordinal) = dictionary.term_ord(name.as_bytes())? {
            return Ok(Cursor::At { ordinal, id });
        }
        // The first name above the cursor's (there may be none: then nothing follows).
        let mut above = dictionary
            .range()
            .gt(name.as_bytes())
            .into_stream()
            .map_err(|e| Error::Index(e.to_string()))?;
        Ok(match above.advance() {
            true => Cursor::From(above.term_ord()),
            false => Cursor::End,
        })
    }

    fn id_of(&self, doc: DocId) -> Result<Uuid> {
        match (self.id_high.first(doc), self.id_low.first(doc)) {
            (Some(high), Some(low)) => Ok(Uuid::from_u64_pair(high, low)),
            _ => Err(Error::Index(format!("document {doc} has no id"))),
        }
    }
}

/// The cursor's position in one segment's name ordinals.
enum Cursor {
    /// No cursor: everything follows.
    Start,
    /// The cursor's name is this ordinal: later ordinals follow, and the same one with a larger id.
    At { ordinal: u64, id: Uuid },
    /// The cursor's name is not in the segment: this ordinal and later ones follow.
    From(u64),
    /// Every name of the segment is before the cursor.
    End,
}

impl Cursor {
    fn admits(&self, ordinal: u64, id: Uuid) -> bool {
        match *self {
            Cursor::Start => true,
            Cursor::At { ordinal: at, id: after } => ordinal > at || (ordinal == at && id > after),
            Cursor::From(first) => ordinal >= first,
            Cursor::End => false,
        }
    }
}

/// A set of a segment's documents.
struct Bits {
    words: Vec<u64>,
}

impl Bits {
    fn empty(max_doc: DocId) -> Bits {
        Bits {
            words: vec![0; (max_doc as usize).div_ceil(64)],
        }
    }

    fn insert(&mut self, doc: DocId) {
        self.words[doc as usize / 64] |= 1 << (doc % 64);
    }

    fn contains(&self, doc: DocId) -> bool {
        self.words[doc as usize / 64] & (1 << (doc % 64)) != 0
    }

    fn and(&mut self, other: &Bits) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word &= other;
        }
    }

    fn retain(&mut self, keep: impl Fn(DocId) -> bool) {
        let kept: Vec<DocId> = self.iter().filter(|doc| !keep(*doc)).collect();
        for doc in kept {
            self.words[doc as usize / 64] &= !(1 << (doc % 64));
        }
    }

    fn count(&self) -> u64 {
        self.words.iter().map(|word| u64::from(word.count_ones())).sum()
    }

    fn iter(&self) -> impl Iterator<Item = DocId> + '_ {
        self.words.iter().enumerate().flat_map(|(at, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                Some(at as DocId * 64 + bit)
            })
        })
    }
}
