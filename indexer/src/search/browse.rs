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

use std::collections::HashMap;

use super::{index_error, AssetKind, SearchIndex};
use crate::domain::{NeedCode, Organization, PlaceCode, Service};
use crate::error::{Error, Result};
use crate::store::read::{NameKey, Page, PlaceScope, ServiceFilter};
use crate::Directory;

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

/// How many listings a page asks the index for: one more than it shows, to learn whether
/// another page follows.
fn with_one_more(first: i64) -> usize {
    usize::try_from(first.max(0)).unwrap_or(usize::MAX).saturating_add(1)
}

impl Directory {
    /// Services for a need and/or in a place (a venue inside it, or a service area overlapping
    /// it), ordered by (name, id), one page after `after`, served from the search index; the
    /// count is worked out only when `count` is true (it is 0 otherwise). The same page as
    /// [`Directory::services`], which reads SQLite and stays as the fallback when this process
    /// does not keep the index (another process holds it, or it is being rebuilt).
    pub async fn services_by_name(
        &self,
        place: Option<&PlaceCode>,
        need: Option<NeedCode>,
        first: i64,
        after: Option<&NameKey>,
        count: bool,
    ) -> Result<Page<Service>> {
        let scope = place
            .map(|code| {
                self.place(code)?;
                Ok::<_, Error>(PlaceScope {
                    code: code.clone(),
                    overlapping_codes: self.places().overlapping_codes(code),
                })
            })
            .transpose()?;
        if !self.index_is_current().await? {
            return self.services(place, need, first, after).await;
        }
        let limit = with_one_more(first);
        let index = self.search_index().clone();
        let filter = ServiceFilter {
            need,
            place: scope.clone(),
        };
        // A custom Place holds no venues itself: its member wards or LSOAs do.
        let venue_places: Vec<PlaceCode> = match &scope {
            Some(scope) => std::iter::once(scope.code.clone())
                .chain(self.custom_place_members(&scope.code).await?)
                .collect(),
            None => Vec::new(),
        };
        let browsed = {
            let after = after.cloned();
            tokio::task::spawn_blocking(move || {
                let place = scope
                    .as_ref()
                    .map(|s| (venue_places.as_slice(), s.overlapping_codes.as_slice()));
                index.browse(&BrowseRequest {
                    kind: AssetKind::Service,
                    need,
                    place,
                    after: after.as_ref().map(|key| (key.name.as_str(), key.id)),
                    limit,
                    count,
                })
            })
            .await
            .map_err(|e| Error::Index(format!("browsing services: {e}")))??
        };
        // Services that are not active are public and listed, but not in the index.
        let not_active = self.store().not_active_service_keys(&filter).await?;
        let total = browsed.total.unwrap_or(0) + not_active.len() as u64;
        let mut keys = browsed.keys;
        keys.extend(
            not_active
                .into_iter()
                .filter(|(name, id)| after.is_none_or(|key| (name.as_bytes(), *id) > (key.name.as_bytes(), key.id))),
        );
        keys.sort_by(|a, b| (a.0.as_bytes(), a.1).cmp(&(b.0.as_bytes(), b.1)));
        keys.truncate(limit);
        let ids: Vec<Uuid> = keys.iter().map(|(_, id)| *id).collect();
        let found = self.store().services_by_ids(&ids, false).await?;
        Ok(in_key_order(found, &ids, |s| s.id, first, total))
    }

    /// Public organisations ordered by (name, id), one page after `after`, served from the
    /// search index as [`Directory::services_by_name`] is; the count only when `count` is true.
    pub async fn organizations_by_name(
        &self,
        first: i64,
        after: Option<&NameKey>,
        count: bool,
    ) -> Result<Page<Organization>> {
        if !self.index_is_current().await? {
            return self.store().organizations_page(first, after).await;
        }
        let limit = with_one_more(first);
        let index = self.search_index().clone();
        let after = after.cloned();
        let browsed = tokio::task::spawn_blocking(move || {
            index.browse(&BrowseRequest {
                kind: AssetKind::Organization,
                need: None,
                place: None,
                after: after.as_ref().map(|key| (key.name.as_str(), key.id)),
                limit,
                count,
            })
        })
        .await
        .map_err(|e| Error::Index(format!("browsing organisations: {e}")))??;
        let ids: Vec<Uuid> = browsed.keys.iter().map(|(_, id)| *id).collect();
        let found = self.store().organizations_by_ids(Some(&ids)).await?;
        let total = browsed.total.unwrap_or(0);
        Ok(in_key_order(found, &ids, |o| o.id, first, total))
    }

    /// Whether the index holds every change of the change log, catching it up first when this
    /// process keeps it (a list read just after a write then shows the write); `false` when
    /// another process keeps it and it lags, or it is being rebuilt.
    async fn index_is_current(&self) -> Result<bool> {
        let index = self.search_index();
        if index.replacing.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(false);
        }
        let newest = self.store().last_change_seq().await?;
        if index.applied_seq() >= newest {
            return Ok(true);
        }
        if !index.is_writable() {
            return Ok(false);
        }
        super::sync::catch_up(self.store(), &self.places(), index).await?;
        Ok(index.applied_seq() >= newest)
    }
}

/// The hydrated listings in the order of `ids` (any that vanished meanwhile left out), cut to
/// `first`, with whether more follow.
fn in_key_order<T>(found: Vec<T>, ids: &[Uuid], id_of: impl Fn(&T) -> Uuid, first: i64, total: u64) -> Page<T> {
    let mut by_id: HashMap<Uuid, T> = found.into_iter().map(|item| (id_of(&item), item)).collect();
    let mut items: Vec<T> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    let shown = usize::try_from(first.max(0)).unwrap_or(usize::MAX);
    let has_next_page = ids.len() > shown;
    items.truncate(shown);
    Page {
        items,
        total_count: i64::try_from(total).unwrap_or(i64::MAX),
        has_next_page,
    }
}
