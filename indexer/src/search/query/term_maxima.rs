//! Each term's highest frequency at each field length, kept per segment: a term's exact
//! highest score, for MaxScore's bounds.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, Searcher, SegmentReader, Term, TERMINATED};

use crate::search::query::term_cache::SegmentTermCache;

/// The largest term frequency at each field-norm id, per term and segment. With it a term's
/// highest score in a segment is exact (at a given field length BM25 grows with the
/// frequency).
#[derive(Debug)]
pub struct TermMaxima {
    kept: SegmentTermCache<Maxima>,
}

/// A term's largest frequency at each field-norm id it occurs at, in a segment.
pub(super) type Maxima = Arc<[(u8, u32)]>;

/// Terms whose maxima are kept before the cache starts again (an entry is a few hundred bytes).
const MAXIMA_KEPT: usize = 100_000;

impl Default for TermMaxima {
    fn default() -> TermMaxima {
        TermMaxima {
            kept: SegmentTermCache::new(MAXIMA_KEPT),
        }
    }
}

impl TermMaxima {
    /// Forgets the segments `searcher` no longer has.
    pub fn follow(&self, searcher: &Searcher) {
        self.kept.follow(searcher);
    }

    /// The largest frequency of `term` at each field-norm id in the segment (read once).
    pub(super) fn get(&self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Maxima> {
        if let Some(found) = self.kept.get(reader, term) {
            return Ok(found);
        }
        let fieldnorms = fieldnorms(reader, term)?;
        let postings = reader
            .inverted_index(term.field())?
            .read_postings(term, IndexRecordOption::WithFreqs)?;
        let mut most = [0u32; 256];
        if let Some(mut postings) = postings {
            while postings.doc() != TERMINATED {
                let slot = &mut most[usize::from(fieldnorms.fieldnorm_id(postings.doc()))];
                *slot = (*slot).max(postings.term_freq());
                postings.advance();
            }
        }
        let most: Maxima = (0..=u8::MAX).zip(most).filter(|(_, freq)| *freq > 0).collect();
        self.kept.insert(reader, term, most.clone(), 1);
        Ok(most)
    }
}

/// The field lengths of `term`'s field, as tantivy's term scorer reads them: a field without
/// norms counts as length 1.
pub(crate) fn fieldnorms(reader: &SegmentReader, term: &Term) -> tantivy::Result<FieldNormReader> {
    Ok(reader
        .fieldnorms_readers()
        .get_field(term.field())?
        .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1)))
}
