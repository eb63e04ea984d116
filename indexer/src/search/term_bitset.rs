//! A filter on any of many terms, read into a bitset before the search runs.
//!
//! A radius search filters on up to 128 grid-cell terms. As a union of term scorers, that
//! filter steps every scorer at each document and reports the length of its longest posting
//! list as its size: an intersection then lets it lead, and walks a hundred thousand documents
//! in central London through the union. Read once into a bitset (one pass over the postings,
//! a bit per listing), it reports its true size and answers a seek with a bit test.
//!
//! Not tantivy's `TermSetQuery`, which does the same at the end but first builds an FST of the
//! terms per query (a zero-filled registry of about 1 MB), a third of a small query's time.

use tantivy::query::{BitSetDocSet, ConstScorer, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term};
use tantivy_common::BitSet;

/// Documents with any of the terms, each scoring a constant 1 (times any boost).
#[derive(Clone, Debug, Default)]
pub struct TermBitSetQuery {
    terms: Vec<Term>,
}

impl TermBitSetQuery {
    pub fn new<'a>(field: Field, values: impl IntoIterator<Item = &'a str>) -> TermBitSetQuery {
        TermBitSetQuery::default().or(field, values)
    }

    /// Also the documents with any of these terms (of any field).
    pub fn or<'a>(mut self, field: Field, values: impl IntoIterator<Item = &'a str>) -> TermBitSetQuery {
        self.terms
            .extend(values.into_iter().map(|value| Term::from_field_text(field, value)));
        self
    }
}

impl Query for TermBitSetQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for term in &self.terms {
            visitor(term, false);
        }
    }
}

/// The segment's documents with any of `terms` (deleted ones too), or `None` when no term is
/// in the segment.
pub fn documents_with_any(reader: &SegmentReader, terms: &[Term]) -> tantivy::Result<Option<BitSet>> {
    let mut documents: Option<BitSet> = None;
    for term in terms {
        let index = reader.inverted_index(term.field())?;
        let Some(info) = index.get_term_info(term)? else {
            continue;
        };
        let documents = documents.get_or_insert_with(|| BitSet::with_max_value(reader.max_doc()));
        let mut postings = index.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
        while !postings.docs().is_empty() {
            for &doc in postings.docs() {
                documents.insert(doc);
            }
            postings.advance();
        }
    }
    Ok(documents)
}

/// [`documents_with_any`] of these values of one field.
pub fn documents_with_any_of<'a>(
    reader: &SegmentReader,
    field: Field,
    values: impl IntoIterator<Item = &'a str>,
) -> tantivy::Result<Option<BitSet>> {
    documents_with_any(reader, &TermBitSetQuery::new(field, values).terms)
}

impl Weight for TermBitSetQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match documents_with_any(reader, &self.terms)? {
            Some(documents) => Box::new(ConstScorer::new(BitSetDocSet::from(documents), boost)),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("TermBitSetQuery", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!("document {doc} does not match")))
        }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{Schema, STRING};
    use tantivy::{doc, Index, IndexWriter};

    use super::*;

    #[test]
    fn matches_what_a_union_of_term_queries_matches() {
        let mut builder = Schema::builder();
        let cell = builder.add_text_field("cell", STRING);
        let area = builder.add_text_field("area", STRING);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer(15_000_000).expect("writer");
        for segment in 0..2u32 {
            for n in 0..5_000u32 {
                writer
                    .add_document(doc!(
                        cell => format!("c{}", (n * 7 + segment) % 301),
                        cell => format!("c{}", n % 13),
                        area => format!("a{}", n % 1001)
                    ))
                    .expect("add");
            }
            writer.commit().expect("commit");
        }
        writer.delete_term(Term::from_field_text(cell, "c5"));
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        for values in [
            vec!["c1", "c2", "c200"],
            vec!["c12", "nowhere"],
            vec!["nowhere"],
            vec![],
        ] {
            let areas = ["a7", "a999"];
            let union = BooleanQuery::new(
                values
                    .iter()
                    .map(|value| Term::from_field_text(cell, value))
                    .chain(areas.iter().map(|value| Term::from_field_text(area, value)))
                    .map(|term| {
                        let term = TermQuery::new(term, IndexRecordOption::Basic);
                        (Occur::Should, Box::new(term) as Box<dyn Query>)
                    })
                    .collect(),
            );
            let expected = searcher.search(&union, &DocSetCollector).expect("union");
            let query = TermBitSetQuery::new(cell, values.iter().copied()).or(area, areas);
            let found = searcher.search(&query, &DocSetCollector).expect("bitset");
            assert_eq!(found, expected, "{values:?}");
            assert!(found.len() > 10, "{values:?}");
        }
    }
}
