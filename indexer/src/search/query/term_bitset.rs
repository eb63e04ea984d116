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
//!
//! Other filters can be folded in ([`TermBitSetQuery::and_any`]): a need, a day, free only. As
//! clauses of their own they would be intersected document by document, each posting of the
//! broadest leading or being sought (in central London a need and 5 km each hold a hundred
//! thousand listings, and a few thousand both). Folded in, each is a bitset (a common term's
//! kept by [`TermDocs`]) ANDed word by word, and the search walks only what all allow.

use std::ops::Range;
use std::sync::Arc;

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Field;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

use super::grouped::Grouping;
use super::term_docs::{read_postings, runs, word_count, Bits, TermDocs};

/// Documents with any of the terms (and with one of each group folded in), each scoring a
/// constant 1 for the terms and 1 for each group (times any boost): what the filter clauses
/// each would add to a boolean query's score.
#[derive(Clone, Debug, Default)]
pub struct TermBitSetQuery {
    terms: Vec<Term>,
    /// More terms (of cells wholly within a radius), whose documents are also given apart
    /// ([`TermBitSetQuery::documents_and_within`]).
    within: Vec<Term>,
    /// Filters folded in: a document must also have a term of each group.
    all_of: Vec<Vec<Term>>,
    /// How many groups of `all_of` are not scored (the words of a search, which score on
    /// their own: see [`TermBitSetQuery::and_any_term`]).
    unscored: usize,
    /// Three words or more folded in, unscored: a document must also have enough of them
    /// ([`TermBitSetQuery::and_grouped`]).
    grouped: Option<(Vec<Term>, Arc<Grouping>)>,
    /// Where common terms' documents are kept.
    documents: Arc<TermDocs>,
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

    /// Also the documents with any of these values of `field` (cells wholly within reach of
    /// a radius), which [`TermBitSetQuery::documents_and_within`] gives apart as it reads them:
    /// a collector counting a radius alone knows them to be in range without a distance.
    pub fn or_within<'a>(mut self, field: Field, values: impl IntoIterator<Item = &'a str>) -> TermBitSetQuery {
        self.within
            .extend(values.into_iter().map(|value| Term::from_field_text(field, value)));
        self
    }

    /// Only the documents that also have any of these values of `field` (a filter folded in),
    /// read from `documents` where it keeps them.
    pub fn and_any<'a>(
        mut self,
        field: Field,
        values: impl IntoIterator<Item = &'a str>,
        documents: &Arc<TermDocs>,
    ) -> TermBitSetQuery {
        self.all_of.push(
            values
                .into_iter()
                .map(|value| Term::from_field_text(field, value))
                .collect(),
        );
        self.documents = documents.clone();
        self
    }

    /// Only the documents that also have any of `terms`, adding nothing to the score: the
    /// words a search scores beside this filter, whose listings are then the only ones it
    /// walks (a 5 km radius in a town holds thousands of listings, a few hundred of them with
    /// the words; the words' union would otherwise be sought at each of them).
    pub fn and_any_term(mut self, terms: Vec<Term>, documents: &Arc<TermDocs>) -> TermBitSetQuery {
        self.all_of.push(terms);
        self.unscored += 1;
        self.documents = documents.clone();
        self
    }

    /// Only the documents that also have enough of the words `terms` are forms of (or a term
    /// that matches alone, see [`Grouping`]), adding nothing to the score: as
    /// [`TermBitSetQuery::and_any_term`] for three words or more. Folded in, the documents
    /// walked are exactly the matches in range: with any one word folded in instead, a long
    /// question of common words leaves thousands of listings in range that lack enough of
    /// them, and scoring them walks every word's postings to the next listing that has enough,
    /// anywhere in the index (25 ms at a million listings for a question none in range matched).
    pub fn and_grouped(
        mut self,
        terms: Vec<Term>,
        grouping: Arc<Grouping>,
        documents: &Arc<TermDocs>,
    ) -> TermBitSetQuery {
        self.grouped = Some((terms, grouping));
        self.documents = documents.clone();
        self
    }

    /// The segment's documents with any of the terms and one of each group (deleted ones too),
    /// as bits, with the stretch of words that has any set.
    pub(super) fn documents(&self, reader: &SegmentReader) -> tantivy::Result<Bits> {
        Ok(self.documents_and_within(reader)?.0)
    }

    /// [`TermBitSetQuery::documents`], and apart the documents of the terms given by
    /// [`TermBitSetQuery::or_within`] (deleted ones too, before the groups are folded in), if
    /// there are such terms: one read of each term's postings for both.
    pub(crate) fn documents_and_within(&self, reader: &SegmentReader) -> tantivy::Result<(Bits, Option<Bits>)> {
        let mut words = vec![0u64; word_count(reader)];
        let mut set = read_any(reader, &self.terms, &mut words)?;
        let mut within_bits = None;
        if !self.within.is_empty() {
            let mut within = vec![0u64; words.len()];
            let within_set = read_any(reader, &self.within, &mut within)?;
            for (word, within) in words[within_set.clone()].iter_mut().zip(&within[within_set.clone()]) {
                *word |= within;
            }
            set = span(set, within_set.clone());
            within_bits = Some(Bits::new(within, within_set));
        }
        if set.is_empty() {
            return Ok((Bits::new(words, 0..0), within_bits));
        }
        // Each group is read, and ANDed, only in the stretches with bits set (bits outside
        // them, from rarer terms' postings, are never read).
        let (runs, mut group_words) = match (self.all_of.is_empty(), self.grouped.is_some()) {
            (true, false) => (Vec::new(), Vec::new()),
            (true, true) => (runs(&words, set.clone()), Vec::new()),
            (false, _) => (runs(&words, set.clone()), vec![0u64; words.len()]),
        };
        for (at, group) in self.all_of.iter().enumerate() {
            if at > 0 {
                for run in &runs {
                    group_words[run.clone()].fill(0);
                }
            }
            for term in group {
                self.documents.add(reader, term, &mut group_words, &runs)?;
            }
            for run in &runs {
                for (word, allowed) in words[run.clone()].iter_mut().zip(&group_words[run.clone()]) {
                    *word &= allowed;
                }
            }
        }
        if let Some((terms, grouping)) = &self.grouped {
            let allowed = grouping.bits_in(reader, terms, &self.documents, &runs)?;
            for run in &runs {
                for (word, allowed) in words[run.clone()].iter_mut().zip(&allowed[run.clone()]) {
                    *word &= allowed;
                }
            }
        }
        Ok((Bits::new(words, set), within_bits))
    }

    /// What each of its documents scores: 1 for the terms and 1 for each scored group, times
    /// `boost`.
    pub(super) fn constant(&self, boost: Score) -> Score {
        (1 + self.all_of.len() - self.unscored) as Score * boost
    }
}

impl Query for TermBitSetQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for term in self
            .terms
            .iter()
            .chain(&self.within)
            .chain(self.all_of.iter().flatten())
            .chain(self.grouped.iter().flat_map(|(terms, _)| terms))
        {
            visitor(term, false);
        }
    }
}

/// Sets the bits of the documents of `terms` (deleted ones too); gives the stretch of words it
/// set bits in (empty if none).
fn read_any(reader: &SegmentReader, terms: &[Term], words: &mut [u64]) -> tantivy::Result<Range<usize>> {
    let mut set: Range<usize> = 0..0;
    for term in terms {
        let Some(info) = reader.inverted_index(term.field())?.get_term_info(term)? else {
            continue;
        };
        let all = 0..words.len();
        let touched = read_postings(reader, term, &info, words, all)?;
        set = span(set, touched);
    }
    Ok(set)
}

/// The stretch from the first to the last of two stretches (either may be empty).
fn span(a: Range<usize>, b: Range<usize>) -> Range<usize> {
    match (a.is_empty(), b.is_empty()) {
        (_, true) => a,
        (true, false) => b,
        (false, false) => a.start.min(b.start)..a.end.max(b.end),
    }
}

/// The segment's documents with these values of one field (deleted ones too), or `None` when
/// no value is in the segment.
pub fn documents_with_any_of<'a>(
    reader: &SegmentReader,
    field: Field,
    values: impl IntoIterator<Item = &'a str>,
) -> tantivy::Result<Option<Bits>> {
    let mut words = vec![0u64; word_count(reader)];
    let set = read_any(reader, &TermBitSetQuery::new(field, values).terms, &mut words)?;
    Ok((!set.is_empty()).then(|| Bits::new(words, set)))
}

/// [`TermBitSetQuery`]'s scorer: its documents, each scoring a constant.
pub struct BitsScorer {
    bits: Bits,
    score: Score,
}

impl DocSet for BitsScorer {
    fn advance(&mut self) -> DocId {
        self.bits.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.bits.seek(target)
    }

    fn doc(&self) -> DocId {
        self.bits.doc()
    }

    fn size_hint(&self) -> u32 {
        self.bits.size_hint()
    }
}

impl Scorer for BitsScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}

impl Weight for TermBitSetQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let documents = self.documents(reader)?;
        if documents.doc() == TERMINATED {
            return Ok(Box::new(EmptyScorer));
        }
        Ok(Box::new(BitsScorer {
            bits: documents,
            score: self.constant(boost),
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain_by_seeking(self.scorer(reader, 1.0)?, doc, "TermBitSetQuery")
    }
}

/// A scorer's score at `doc`, named `name`, or an error if `doc` does not match.
pub(super) fn explain_by_seeking(
    mut scorer: Box<dyn Scorer>,
    doc: DocId,
    name: &'static str,
) -> tantivy::Result<Explanation> {
    if scorer.seek(doc) == doc {
        Ok(Explanation::new(name, scorer.score()))
    } else {
        Err(TantivyError::InvalidArgument(format!("document {doc} does not match")))
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, STRING};
    use tantivy::{doc, Index, IndexWriter};

    use super::*;

    fn term_query(term: Term) -> Box<dyn Query> {
        Box::new(TermQuery::new(term, IndexRecordOption::Basic))
    }

    fn any_of(terms: impl IntoIterator<Item = Term>) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            terms
                .into_iter()
                .map(|term| (Occur::Should, term_query(term)))
                .collect(),
        ))
    }

    /// The same documents as a union of term queries, alone, with filters folded in (as
    /// those filters intersected), and sought by another clause; across segments and deletes.
    #[test]
    fn matches_what_a_union_of_term_queries_matches() {
        let mut builder = Schema::builder();
        let cell = builder.add_text_field("cell", STRING);
        let area = builder.add_text_field("area", STRING);
        let need = builder.add_text_field("need", STRING);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer(15_000_000).expect("writer");
        for segment in 0..2u32 {
            for n in 0..5_000u32 {
                writer
                    .add_document(doc!(
                        cell => format!("c{}", (n * 7 + segment) % 301),
                        cell => format!("c{}", n % 13),
                        area => format!("a{}", n % 1001),
                        // Common needs (kept as bitsets) and rare ones (read from postings).
                        need => format!("n{}", n % 3),
                        need => format!("rare{}", n % 97)
                    ))
                    .expect("add");
            }
            writer.commit().expect("commit");
        }
        writer.delete_term(Term::from_field_text(cell, "c5"));
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let documents = Arc::new(TermDocs::default());
        let needs =
            |values: &[&str]| -> Vec<Term> { values.iter().map(|value| Term::from_field_text(need, value)).collect() };
        for values in [
            vec!["c1", "c2", "c200"],
            vec!["c12", "nowhere"],
            vec!["nowhere"],
            vec![],
        ] {
            let areas = ["a7", "a999"];
            let union = || {
                any_of(
                    values
                        .iter()
                        .map(|value| Term::from_field_text(cell, value))
                        .chain(areas.iter().map(|value| Term::from_field_text(area, value))),
                )
            };
            let query = TermBitSetQuery::new(cell, values.iter().copied()).or(area, areas);
            let expected = searcher.search(&union(), &DocSetCollector).expect("union");
            let found = searcher.search(&query, &DocSetCollector).expect("bitset");
            assert_eq!(found, expected, "{values:?}");
            assert!(found.len() > 10, "{values:?}");

            // The same with some cells given apart: the query's documents are the same, and
            // those of the cells given apart are given apart (deleted ones too).
            let (edge, within) = values.split_at(values.len() / 2);
            let apart = TermBitSetQuery::new(cell, edge.iter().copied())
                .or(area, areas)
                .or_within(cell, within.iter().copied());
            let found = searcher.search(&apart, &DocSetCollector).expect("apart");
            assert_eq!(found, expected, "{values:?} apart");
            let in_within = any_of(within.iter().map(|value| Term::from_field_text(cell, value)));
            let expected_within = searcher.search(&in_within, &DocSetCollector).expect("within");
            let mut given = std::collections::HashSet::new();
            for (ordinal, reader) in searcher.segment_readers().iter().enumerate() {
                if let (_, Some(mut bits)) = apart.documents_and_within(reader).expect("documents") {
                    while bits.doc() != TERMINATED {
                        if reader.alive_bitset().is_none_or(|alive| alive.is_alive(bits.doc())) {
                            given.insert(tantivy::DocAddress::new(ordinal as u32, bits.doc()));
                        }
                        bits.advance();
                    }
                }
            }
            assert_eq!(given, expected_within, "{values:?} given apart");

            let (common, rare) = (["n0", "n2"], ["rare3", "rare40", "rare96"]);
            let filtered = query
                .clone()
                .and_any(need, common, &documents)
                .and_any(need, rare, &documents);
            let intersected = BooleanQuery::new(vec![
                (Occur::Must, union()),
                (Occur::Must, any_of(needs(&common))),
                (Occur::Must, any_of(needs(&rare))),
            ]);
            for _ in 0..2 {
                let expected = searcher.search(&intersected, &DocSetCollector).expect("intersected");
                let found = searcher.search(&filtered, &DocSetCollector).expect("folded");
                assert_eq!(found, expected, "{values:?} with needs");
                assert!(values.len() < 2 || found.len() > 3, "{values:?} with needs");
            }
            // Sought by a clause that leads (one area), not walked.
            let sought = |query: Box<dyn Query>| {
                BooleanQuery::new(vec![
                    (Occur::Must, term_query(Term::from_field_text(area, "a7"))),
                    (Occur::Must, query),
                ])
            };
            let expected = searcher
                .search(&sought(Box::new(intersected)), &DocSetCollector)
                .expect("sought union");
            let found = searcher
                .search(&sought(Box::new(filtered.clone())), &DocSetCollector)
                .expect("sought bitset");
            assert_eq!(found, expected, "{values:?} sought");
            // Scored as the three filter clauses it stands for.
            let top = searcher
                .search(&filtered, &tantivy::collector::TopDocs::with_limit(1))
                .expect("top");
            assert!(top.iter().all(|(score, _)| *score == 3.0));
        }
    }
}
