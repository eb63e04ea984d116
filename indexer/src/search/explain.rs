//! Which of a search's words each hit has, field by field: what "why it matched" says.

use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Term};

use crate::error::Result;

use super::*;

/// A text field a search's words are found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Name,
    Description,
    /// The name of the organisation running it.
    Organization,
    /// Its needs' labels and keywords, and its activities.
    Topics,
    /// Names of places it meets in or serves.
    PlaceNames,
}

impl SearchIndex {
    /// For each hit (found by `searcher`), which of `words` each text field of it has, as the
    /// field analyses them (stemmed, but not within a typo): what "why it matched" says.
    pub fn fields_with_words(
        &self,
        searcher: &tantivy::Searcher,
        hits: &[RawHit],
        words: &[String],
    ) -> Result<Vec<Vec<(TextField, usize)>>> {
        let fields = &self.fields;
        let checked = [
            (TextField::Name, fields.name, fields::ENGLISH),
            (TextField::Description, fields.description, fields::ENGLISH),
            (TextField::Organization, fields.organization, fields::ENGLISH),
            (TextField::Topics, fields.topics, fields::ENGLISH),
            (TextField::PlaceNames, fields.place_names, PLAIN),
        ];
        // Each field's term for each word, if the word is not a stop word there.
        let terms: Vec<(TextField, Field, usize, Term)> = checked
            .iter()
            .flat_map(|&(which, field, analyser)| {
                words.iter().enumerate().filter_map(move |(word, text)| {
                    let term = fields::analyse(&self.index, analyser, text).pop()?;
                    Some((which, field, word, Term::from_field_text(field, &term)))
                })
            })
            .collect();
        let mut found = vec![Vec::new(); hits.len()];
        for (ordinal, reader) in searcher.segment_readers().iter().enumerate() {
            let here: Vec<(usize, DocId)> = hits
                .iter()
                .enumerate()
                .filter(|(_, hit)| hit.address.0 as usize == ordinal)
                .map(|(at, hit)| (at, hit.address.1))
                .collect();
            if here.is_empty() {
                continue;
            }
            // Each term looked up once per segment, then sought at each hit in it.
            for (which, field, word, term) in &terms {
                let inverted = reader.inverted_index(*field).map_err(index_error)?;
                let Some(info) = inverted.get_term_info(term)? else {
                    continue;
                };
                for &(at, doc) in &here {
                    let mut postings = inverted.read_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
                    // Postings may only be sought forward: the first may already be past it.
                    let has = match postings.doc() {
                        first if first >= doc => first == doc,
                        _ => postings.seek(doc) == doc,
                    };
                    if has {
                        found[at].push((*which, *word));
                    }
                }
            }
        }
        Ok(found)
    }
}
