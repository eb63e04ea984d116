//! The fast-field columns the collector reads, opened once per segment and kept per searcher.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader};

/// The fast-field columns of a segment the collector reads. Opening a column reads its header
/// and codec, which cost a tenth of a small query when done per search: they are opened once
/// per segment and kept (see [`ColumnCache`]).
pub struct SegmentColumns {
    pub(super) segment: SegmentId,
    pub(super) id_high: Column<u64>,
    pub(super) id_low: Column<u64>,
    pub(super) kind: Column<u64>,
    pub(super) venues: PerDoc<u64>,
    pub(super) session: Column<u64>,
    pub(super) min_age: Column<i64>,
    pub(super) max_age: Column<i64>,
    /// When each listing last changed (see `Fields::modified`).
    pub(super) modified: Column<i64>,
    pub(super) opens: Column<i64>,
    pub(super) closes: Column<i64>,
    pub(super) reviewed: Column<i64>,
    pub(super) need: Option<StrColumn>,
    pub(super) district: Option<StrColumn>,
    pub(super) need_ords: PerDoc<u32>,
    /// Each document's needs as bits by term ordinal, when the segment has at most 32 needs
    /// (else empty): one read per match where `need_ords` takes two.
    pub(super) need_masks: Vec<u32>,
    pub(super) district_ords: PerDoc<u32>,
    /// Each document's district's term ordinal, or [`MIXED`] if it has none or several (see
    /// `district_ords`): one read per match, as `need_masks`.
    pub(super) district_of: Vec<u32>,
    /// Each need's documents as bits, to tally a word of matches at once: word by word, each
    /// word's bits of every need (by term ordinal) side by side (a few cache lines a word).
    pub(super) need_bits: Vec<u64>,
    /// Needs (terms of the need column).
    pub(super) needs: usize,
    /// Per word (64 documents, as in bitsets): the one district every document of it has, if
    /// they share one and have no other (documents in curve order mostly do: see
    /// `cells::curve_position`), else [`MIXED`].
    pub(super) word_district: Vec<u32>,
}

/// In [`SegmentColumns::word_district`], a word whose documents are not all of one district.
pub(super) const MIXED: u32 = u32::MAX;

/// A word of matches at least this full tallies its needs by their bits (an AND and a count
/// per need, side by side) rather than document by document (a lookup or two each).
pub(super) const WORD_TALLY_FROM: u32 = 2;

impl SegmentColumns {
    pub(super) fn open(reader: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        let fast = reader.fast_fields();
        let venue = fast.u64("venue")?;
        let need = fast.str("need")?;
        let district = fast.str("district")?;
        let need_ords = term_ords(&need, reader.max_doc());
        let needs = need.as_ref().map_or(0, |need| need.num_terms());
        let district_ords = term_ords(&district, reader.max_doc());
        let need_masks = match needs {
            0..=32 => (0..reader.max_doc())
                .map(|doc| need_ords.of(doc).iter().fold(0, |mask, ord| mask | 1 << ord))
                .collect(),
            _ => Vec::new(),
        };
        let district_of = (0..reader.max_doc())
            .map(|doc| match district_ords.of(doc) {
                [ord] => *ord,
                _ => MIXED,
            })
            .collect();
        Ok(SegmentColumns {
            segment: reader.segment_id(),
            id_high: fast.u64("id_high")?,
            id_low: fast.u64("id_low")?,
            kind: fast.u64("kind_code")?,
            venues: PerDoc::read(reader.max_doc(), |doc, values| values.extend(venue.values_for_doc(doc))),
            session: fast.u64("session")?,
            min_age: fast.i64("min_age")?,
            max_age: fast.i64("max_age")?,
            modified: fast.i64("modified")?,
            opens: fast.i64("opens")?,
            closes: fast.i64("closes")?,
            reviewed: fast.i64("reviewed")?,
            need_bits: bits_by_ord(&need_ords, needs),
            needs,
            word_district: word_district(&district_ords),
            need_ords,
            need_masks,
            district_ords,
            district_of,
            need,
            district,
        })
    }
}

impl SegmentColumns {
    /// Adds the document to the tally of each of its needs.
    pub(super) fn tally_needs(&self, doc: DocId, counts: &mut [u64]) {
        let Some(&mask) = self.need_masks.get(doc as usize) else {
            return tally(&self.need_ords, counts, doc);
        };
        let mut mask = mask;
        while mask != 0 {
            if let Some(count) = counts.get_mut(mask.trailing_zeros() as usize) {
                *count += 1;
            }
            mask &= mask - 1;
        }
    }

    /// Adds the document to the tally of each of its districts.
    pub(super) fn tally_district(&self, doc: DocId, counts: &mut [u64]) {
        match self.district_of.get(doc as usize) {
            Some(&ord) if ord != MIXED => {
                if let Some(count) = counts.get_mut(ord as usize) {
                    *count += 1;
                }
            }
            _ => tally(&self.district_ords, counts, doc),
        }
    }
}

/// Each document's values of a multi-valued column, copied out once per segment into two
/// plain arrays, which read several times faster than the column's dispatched lookups:
/// - venue points (see `document::pack_venue`), which range checks read for every match a
///   count or a radius search visits (a few bytes a venue: 14 MB for a million listings);
/// - need and district term ordinals, which facets tally (for most documents, from the
///   single-read `need_masks` and `district_of` made from them: 8 MB a million listings).
pub(super) struct PerDoc<T> {
    /// Where each document's values start in `values`, and (last) where the values end.
    starts: Vec<u32>,
    values: Vec<T>,
}

impl<T: Copy> PerDoc<T> {
    /// Each document's values, as `add_values` appends them.
    fn read(max_doc: DocId, mut add_values: impl FnMut(DocId, &mut Vec<T>)) -> PerDoc<T> {
        let mut starts = Vec::with_capacity(max_doc as usize + 1);
        let mut values = Vec::with_capacity(max_doc as usize);
        for doc in 0..max_doc {
            starts.push(values.len() as u32);
            add_values(doc, &mut values);
        }
        starts.push(values.len() as u32);
        PerDoc { starts, values }
    }

    pub(super) fn max_doc(&self) -> DocId {
        self.starts.len().saturating_sub(1) as DocId
    }

    /// The document's values.
    pub(super) fn of(&self, doc: DocId) -> &[T] {
        match (self.starts.get(doc as usize), self.starts.get(doc as usize + 1)) {
            (Some(&start), Some(&end)) => &self.values[start as usize..end as usize],
            _ => &[],
        }
    }
}

/// A string column's distinct term ordinals per document (none without the column): a value
/// given twice (a need listed twice) counts the document once.
fn term_ords(column: &Option<StrColumn>, max_doc: DocId) -> PerDoc<u32> {
    let mut ords: Vec<u32> = Vec::new();
    PerDoc::read(max_doc, |doc, values| {
        ords.clear();
        ords.extend(
            column
                .iter()
                .flat_map(|column| column.term_ords(doc))
                .map(|ord| ord as u32),
        );
        ords.sort_unstable();
        ords.dedup();
        values.extend_from_slice(&ords);
    })
}

/// The documents with each term ordinal as bits, word by word: word `at` of term `ord` is at
/// `at * terms + ord`.
fn bits_by_ord(ords: &PerDoc<u32>, terms: usize) -> Vec<u64> {
    let words = (ords.max_doc() as usize).div_ceil(64);
    let mut bits = vec![0u64; words * terms];
    for doc in 0..ords.max_doc() {
        for &ord in ords.of(doc) {
            if (ord as usize) < terms {
                bits[doc as usize / 64 * terms + ord as usize] |= 1 << (doc % 64);
            }
        }
    }
    bits
}

/// Per word of 64 documents, the one district ordinal all of them have, or [`MIXED`].
fn word_district(ords: &PerDoc<u32>) -> Vec<u32> {
    let max_doc = ords.max_doc();
    (0..max_doc.div_ceil(64))
        .map(|at| {
            let mut docs = (at * 64..((at + 1) * 64).min(max_doc)).map(|doc| ords.of(doc));
            let first = match docs.next() {
                Some(&[ord]) => ord,
                _ => return MIXED,
            };
            if docs.all(|of| of == [first]) {
                first
            } else {
                MIXED
            }
        })
        .collect()
}

/// The columns of every segment of the current searcher, by segment ordinal.
pub type SearcherColumns = Arc<Vec<Arc<SegmentColumns>>>;

/// The columns of the last searcher's segments; a new searcher (after a commit) reopens only
/// the segments it does not share with the last.
#[derive(Default)]
pub struct ColumnCache {
    current: Mutex<Option<(u64, SearcherColumns)>>,
}

impl ColumnCache {
    pub fn for_searcher(&self, searcher: &Searcher) -> tantivy::Result<SearcherColumns> {
        let generation = searcher.generation().generation_id();
        let mut current = match self.current.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some((cached, columns)) = current.as_ref() {
            if *cached == generation {
                return Ok(columns.clone());
            }
        }
        let previous: HashMap<SegmentId, Arc<SegmentColumns>> = current
            .take()
            .map(|(_, columns)| columns.iter().map(|c| (c.segment, c.clone())).collect())
            .unwrap_or_default();
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|reader| match previous.get(&reader.segment_id()) {
                Some(columns) => Ok(columns.clone()),
                None => SegmentColumns::open(reader).map(Arc::new),
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        let columns = Arc::new(columns);
        *current = Some((generation, columns.clone()));
        Ok(columns)
    }
}

/// Adds one to the tally of each of the document's values.
pub(super) fn tally(ords: &PerDoc<u32>, counts: &mut [u64], doc: DocId) {
    for &ord in ords.of(doc) {
        if let Some(count) = counts.get_mut(ord as usize) {
            *count += 1;
        }
    }
}
