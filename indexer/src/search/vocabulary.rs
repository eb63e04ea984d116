//! The stems listings have in the text fields, kept per segment as fingerprints, so a typo's
//! few hundred one-edit spellings are checked against a hash set rather than four term
//! dictionaries each (reading a question with a word no listing has was a tenth of a long
//! question's time at a million listings, most of it in those lookups).
//!
//! A fingerprint only rules a stem out: a stem found here is then counted in the term
//! dictionaries as before, so a collision costs a lookup and never a wrong reading.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::index::SegmentId;
use tantivy::schema::Field;
use tantivy::{Searcher, SegmentReader};

/// One segment's stems, as fingerprints ([`fingerprint`]).
type Stems = Arc<HashSet<u64>>;

/// The stems of the text fields, per segment, read once (a segment never changes).
#[derive(Debug)]
pub struct Vocabulary {
    /// The fields whose terms are kept.
    fields: Vec<Field>,
    segments: Mutex<HashMap<SegmentId, Stems>>,
}

impl Vocabulary {
    /// The stems of `fields`, none read yet.
    pub fn new(fields: &[Field]) -> Vocabulary {
        Vocabulary {
            fields: fields.to_vec(),
            segments: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SegmentId, Stems>> {
        self.segments.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The stems of every segment `searcher` has (read the first time a segment is asked
    /// about); those of segments it no longer has are forgotten.
    pub fn stems(&self, searcher: &Searcher) -> SearcherStems {
        let segments: Vec<Stems> = searcher
            .segment_readers()
            .iter()
            .map(|reader| self.of(reader))
            .collect();
        let mut kept = self.lock();
        if kept.len() > segments.len() {
            let live: HashSet<SegmentId> = searcher.segment_readers().iter().map(|r| r.segment_id()).collect();
            kept.retain(|segment, _| live.contains(segment));
        }
        SearcherStems(segments)
    }

    /// The reader's segment's stems, read from its term dictionaries the first time.
    fn of(&self, reader: &SegmentReader) -> Stems {
        if let Some(stems) = self.lock().get(&reader.segment_id()) {
            return stems.clone();
        }
        let mut stems = HashSet::new();
        for field in &self.fields {
            let Ok(inverted) = reader.inverted_index(*field) else {
                continue;
            };
            let Ok(mut terms) = inverted.terms().stream() else {
                continue;
            };
            while terms.advance() {
                stems.insert(fingerprint(terms.key()));
            }
        }
        let stems = Arc::new(stems);
        self.lock().insert(reader.segment_id(), stems.clone());
        stems
    }
}

/// The stems of one searcher's segments ([`Vocabulary::stems`]).
pub struct SearcherStems(Vec<Stems>);

impl SearcherStems {
    /// Whether any segment may have `stem` in one of the fields (certainly not when this says
    /// no).
    pub fn may_have(&self, stem: &str) -> bool {
        let print = fingerprint(stem.as_bytes());
        self.0.iter().any(|stems| stems.contains(&print))
    }
}

/// A stem's 64-bit fingerprint (the same in every process: SipHash with fixed keys).
fn fingerprint(stem: &[u8]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    stem.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index};

    /// Every term of the fields kept is found, in any segment, and no other (of these);
    /// terms of other fields are not kept.
    #[test]
    fn has_the_terms_of_its_fields_in_every_segment() {
        let mut schema = Schema::builder();
        let name = schema.add_text_field("name", TEXT);
        let body = schema.add_text_field("body", TEXT);
        let place = schema.add_text_field("place", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer(15_000_000).expect("writer");
        writer
            .add_document(doc!(name => "walking group", body => "gentle exercise", place => "norwich"))
            .expect("add");
        writer.commit().expect("commit");
        writer
            .add_document(doc!(name => "tai chi", body => "balance"))
            .expect("add");
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let vocabulary = Vocabulary::new(&[name, body]);
        let stems = vocabulary.stems(&searcher);
        for stem in ["walking", "group", "gentle", "exercise", "tai", "chi", "balance"] {
            assert!(stems.may_have(stem), "{stem}");
        }
        for stem in ["norwich", "walk", "yoga", "balanc", ""] {
            assert!(!stems.may_have(stem), "{stem}");
        }
        assert_eq!(vocabulary.lock().len(), 2);
        writer.delete_all_documents().expect("delete");
        writer.add_document(doc!(name => "yoga")).expect("add");
        writer.commit().expect("commit");
        let reader = index.reader().expect("reader");
        reader.reload().expect("reload");
        let searcher = reader.searcher();
        let stems = vocabulary.stems(&searcher);
        assert_eq!(vocabulary.lock().len(), 1, "the old segments are forgotten");
        assert!(stems.may_have("yoga"));
        assert!(!stems.may_have("walking"));
    }
}
