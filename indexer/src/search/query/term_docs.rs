//! Common words' documents as bitsets, kept between searches, for counting words alone.
//!
//! A text search with no filter matches a sixth of a national directory ("chair exercise":
//! 167,000 of a million listings). Tantivy counts a union window by window, decoding every
//! posting of every word in every field: about 2 ms at a million listings, more than finding
//! the page. A word in at least one listing in [`DENSE_SHARE`] is kept here as a bitset per
//! segment (125 KB per million listings), so counting ORs a few bitsets and counts their bits;
//! rarer words are cheap to decode, and are read into the count as it is made. A segment never
//! changes, so an entry lasts as long as its segment (deletes are applied as each count is made).

use std::ops::Range;
use std::sync::Arc;

use tantivy::postings::TermInfo;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Searcher, SegmentReader, Term, TERMINATED};

use super::term_cache::SegmentTermCache;

/// A word is kept as a bitset when at least one listing in this many has it.
const DENSE_SHARE: u64 = 32;

/// Bytes of bitsets kept before the cache starts again (512 words of a million listings).
const KEPT_BYTES: usize = 64 << 20;

/// Bytes of the bitsets of where common words are repeated ([`TermDocs::repeated`]) kept
/// before that cache starts again.
const REPEATED_BYTES: usize = 32 << 20;

/// A segment's documents, a bit each, 64 to a word.
pub type Words = Arc<[u64]>;

/// Where a term's documents in a segment are read from ([`TermDocs::source`]).
pub enum TermSource {
    /// A common word's documents, kept as bits.
    Kept(Words),
    /// A rarer word's postings, read when asked ([`read_postings`]).
    Postings(TermInfo),
}

impl TermSource {
    /// Adds `term`'s documents to `words` as [`TermDocs::add`] does.
    pub fn add(
        &self,
        reader: &SegmentReader,
        term: &Term,
        words: &mut [u64],
        runs: &[Range<usize>],
    ) -> tantivy::Result<()> {
        let (Some(first), Some(last)) = (runs.first(), runs.last()) else {
            return Ok(());
        };
        match self {
            TermSource::Postings(info) => read_postings(reader, term, info, words, first.start..last.end).map(|_| ()),
            TermSource::Kept(kept) => {
                for run in runs {
                    let end = run.end.min(words.len()).min(kept.len());
                    let run = run.start.min(end)..end;
                    or_into(&mut words[run.clone()], &kept[run]);
                }
                Ok(())
            }
        }
    }

    /// `term`'s documents in the whole segment as bits: the kept ones, or its postings read
    /// into bits of its own.
    pub fn bits(self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Words> {
        match self {
            TermSource::Kept(kept) => Ok(kept),
            TermSource::Postings(info) => own_words(reader, |words| {
                let all = 0..words.len();
                read_postings(reader, term, &info, words, all).map(|_| ())
            }),
        }
    }
}

/// Bits over the segment's documents, all clear, set by `fill`: made in place (a vector turned
/// into shared bits would be copied).
fn own_words(reader: &SegmentReader, fill: impl FnOnce(&mut [u64]) -> tantivy::Result<()>) -> tantivy::Result<Words> {
    let mut own: Words = std::iter::repeat_n(0u64, word_count(reader)).collect();
    fill(Arc::get_mut(&mut own).expect("bits of its own"))?;
    Ok(own)
}

/// ORs `bits` into `into`, word by word.
pub fn or_into(into: &mut [u64], bits: &[u64]) {
    for (into, bits) in into.iter_mut().zip(bits) {
        *into |= bits;
    }
}

/// Common words' documents per segment (see the module documentation).
#[derive(Debug)]
pub struct TermDocs {
    kept: SegmentTermCache<Words>,
    repeated: SegmentTermCache<Words>,
}

impl Default for TermDocs {
    fn default() -> TermDocs {
        TermDocs {
            kept: SegmentTermCache::new(KEPT_BYTES),
            repeated: SegmentTermCache::new(REPEATED_BYTES),
        }
    }
}

impl TermDocs {
    /// Forgets the segments `searcher` no longer has.
    pub fn follow(&self, searcher: &Searcher) {
        self.kept.follow(searcher);
        self.repeated.follow(searcher);
    }

    /// Of a common word's documents in the segment (those [`TermDocs::kept`] keeps), the ones
    /// that have it more than once, as bits (read once); none for a rarer word. A kept
    /// document without its bit here has the word exactly once, so its score for the word
    /// follows from its field's length alone, without its postings: where a long question's
    /// candidates are scored, seeking every word's postings to each was a third of the time.
    pub fn repeated(&self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Option<Words>> {
        // Only a common word's are kept, so one kept needs no look in the term dictionary.
        if let Some(repeated) = self.repeated.get(reader, term) {
            return Ok(Some(repeated));
        }
        let Some(info) = reader.inverted_index(term.field())?.get_term_info(term)? else {
            return Ok(None);
        };
        if !is_dense(reader, &info) {
            return Ok(None);
        }
        let own = own_words(reader, |words| {
            let mut postings = reader
                .inverted_index(term.field())?
                .read_block_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
            while !postings.docs().is_empty() {
                for (&doc, &freq) in postings.docs().iter().zip(postings.freqs()) {
                    if freq > 1 {
                        words[(doc / 64) as usize] |= 1 << (doc % 64);
                    }
                }
                postings.advance();
            }
            Ok(())
        })?;
        self.repeated.insert(reader, term, own.clone(), own.len() * 8);
        Ok(Some(own))
    }

    /// The live documents of the segment with any of `terms`, counted.
    pub fn count_any(&self, reader: &SegmentReader, terms: &[Term]) -> tantivy::Result<u32> {
        let mut words = vec![0u64; word_count(reader)];
        let all = 0..words.len();
        for term in terms {
            self.add(reader, term, &mut words, std::slice::from_ref(&all))?;
        }
        let count = match reader.alive_bitset() {
            None => words.iter().map(|word| word.count_ones()).sum::<u32>(),
            Some(alive) => ones(&words).filter(|doc| alive.is_alive(*doc)).count() as u32,
        };
        Ok(count)
    }

    /// Adds `term`'s documents to `words`: from the kept bitset for a common word (only those
    /// in the stretches of words `runs`, in order: the caller reads no others), else from its
    /// postings (all those from the first stretch to the last).
    pub fn add(
        &self,
        reader: &SegmentReader,
        term: &Term,
        words: &mut [u64],
        runs: &[Range<usize>],
    ) -> tantivy::Result<()> {
        match self.source(reader, term)? {
            Some(source) => source.add(reader, term, words, runs),
            None => Ok(()),
        }
    }

    /// Where `term`'s documents in the segment are read from: a common word's kept bits, or a
    /// rarer word's postings; `None` when the segment lacks it.
    pub fn source(&self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Option<TermSource>> {
        let Some(info) = reader.inverted_index(term.field())?.get_term_info(term)? else {
            return Ok(None);
        };
        Ok(Some(match self.kept_of(reader, term, &info)? {
            Some(kept) => TermSource::Kept(kept),
            None => TermSource::Postings(info),
        }))
    }

    /// A common word's documents in the segment (deleted ones too), kept as bits (read once);
    /// none for a rarer word.
    pub fn kept(&self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Option<Words>> {
        match reader.inverted_index(term.field())?.get_term_info(term)? {
            Some(info) => self.kept_of(reader, term, &info),
            None => Ok(None),
        }
    }

    fn kept_of(&self, reader: &SegmentReader, term: &Term, info: &TermInfo) -> tantivy::Result<Option<Words>> {
        if !is_dense(reader, info) {
            return Ok(None);
        }
        if let Some(kept) = self.kept.get(reader, term) {
            return Ok(Some(kept));
        }
        let read = TermSource::Postings(info.clone()).bits(reader, term)?;
        self.kept.insert(reader, term, read.clone(), read.len() * 8);
        Ok(Some(read))
    }
}

/// Whether a term is common enough in the segment for its documents to be kept as bits.
fn is_dense(reader: &SegmentReader, info: &TermInfo) -> bool {
    u64::from(info.doc_freq) * DENSE_SHARE >= u64::from(reader.max_doc())
}

/// Words of a bitset over the segment's documents.
pub fn word_count(reader: &SegmentReader) -> usize {
    (reader.max_doc() as usize).div_ceil(64)
}

/// Words apart that [`runs`] still joins into one stretch: fewer, longer stretches for the
/// bits of a radius (its cells' listings lie in a few dozen stretches of a national index).
const JOINED_GAP: usize = 8;

/// The stretches of `words` within `set` that have bits set, in order, joined across gaps
/// shorter than [`JOINED_GAP`] words: a radius's bits set a few hundred words spread over
/// most of a national index's, and what is folded into them need only be read there.
pub fn runs(words: &[u64], set: Range<usize>) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    for at in set.filter(|&at| words.get(at).is_some_and(|&word| word != 0)) {
        match runs.last_mut() {
            Some(run) if at - run.end < JOINED_GAP => run.end = at + 1,
            _ => runs.push(at..at + 1),
        }
    }
    runs
}

/// Sets the bits of `term`'s documents (deleted ones too) in the words of `within`, skipping
/// the blocks of postings before them; gives the words it set bits in (from the first to the
/// last, empty if none).
pub fn read_postings(
    reader: &SegmentReader,
    term: &Term,
    info: &TermInfo,
    words: &mut [u64],
    within: Range<usize>,
) -> tantivy::Result<Range<usize>> {
    let mut postings = reader
        .inverted_index(term.field())?
        .read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
    let (start, end) = (within.start as DocId * 64, (within.end.min(words.len()) * 64) as DocId);
    if start > 0 {
        postings.seek(start);
    }
    let mut touched = 0..0;
    while let (Some(&first), Some(&last)) = (postings.docs().first(), postings.docs().last()) {
        if first >= end {
            break;
        }
        let docs = postings.docs();
        // Only the first and last blocks reach outside the words.
        let docs = if first >= start && last < end {
            docs
        } else {
            let from = docs.partition_point(|&doc| doc < start);
            let to = docs.partition_point(|&doc| doc < end);
            &docs[from..to]
        };
        if let (Some(&first), Some(&last)) = (docs.first(), docs.last()) {
            if touched.is_empty() {
                touched.start = (first / 64) as usize;
            }
            touched.end = (last / 64) as usize + 1;
        }
        match (docs.first(), docs.last()) {
            // Consecutive documents (a cell's listings, indexed in curve order): a range of bits.
            (Some(&first), Some(&last)) if (last - first) as usize + 1 == docs.len() && docs.len() > 8 => {
                set_range(words, first, last)
            }
            _ => {
                for &doc in docs {
                    words[(doc / 64) as usize] |= 1 << (doc % 64);
                }
            }
        }
        postings.advance();
    }
    Ok(touched)
}

/// Sets the bits of the documents from `first` to `last`, both included.
fn set_range(words: &mut [u64], first: DocId, last: DocId) {
    let (first_word, last_word) = ((first / 64) as usize, (last / 64) as usize);
    let from = u64::MAX << (first % 64);
    let to = u64::MAX >> (63 - last % 64);
    if first_word == last_word {
        words[first_word] |= from & to;
        return;
    }
    words[first_word] |= from;
    words[first_word + 1..last_word].fill(u64::MAX);
    words[last_word] |= to;
}

/// A segment's documents given as bits (64 to a word), walked as a doc set.
pub struct Bits {
    words: Vec<u64>,
    /// The words that may have a bit set (none after them).
    set: Range<usize>,
    /// The word being walked, and its bits not yet walked.
    at: usize,
    rest: u64,
    doc: DocId,
    len: u32,
}

impl Bits {
    /// On the first document; `set` holds every word with a bit set (a radius sets a few
    /// stretches of a national index's words: the rest are neither counted nor walked).
    pub fn new(words: Vec<u64>, set: Range<usize>) -> Bits {
        let end = set.end.min(words.len());
        let at = set.start.min(end);
        let len = words[at..end].iter().map(|word| word.count_ones()).sum();
        let rest = if at < end { words[at] } else { 0 };
        let mut bits = Bits {
            words,
            set: at..end,
            at,
            rest,
            doc: 0,
            len,
        };
        bits.next_set();
        bits
    }

    /// Whether `doc`'s bit is set (however far the set was walked).
    pub fn contains(&self, doc: DocId) -> bool {
        self.word(doc as usize / 64) & (1 << (doc % 64)) != 0
    }

    /// The `at`th word (none set past the last).
    pub fn word(&self, at: usize) -> u64 {
        self.words.get(at).copied().unwrap_or(0)
    }

    /// Every word, and the stretch of them that may have a bit set (however far it was walked).
    pub fn words(&self) -> (&[u64], Range<usize>) {
        (&self.words, self.set.clone())
    }

    /// Moves to the first bit left in `rest`, or in the words after it.
    fn next_set(&mut self) -> DocId {
        while self.rest == 0 {
            self.at += 1;
            if self.at >= self.set.end {
                self.doc = TERMINATED;
                return TERMINATED;
            }
            self.rest = self.words[self.at];
        }
        let bit = self.rest.trailing_zeros();
        self.rest &= self.rest - 1;
        self.doc = self.at as DocId * 64 + bit;
        self.doc
    }
}

impl DocSet for Bits {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.next_set()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let at = (target / 64) as usize;
        if at >= self.set.end {
            self.doc = TERMINATED;
            return TERMINATED;
        }
        let word = self.words[at];
        if at > self.at {
            self.at = at;
            self.rest = word;
        }
        // Only the bits at or after the target's.
        self.rest &= u64::MAX << (target % 64);
        self.next_set()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.len
    }
}

/// The documents whose bits are set.
pub(super) fn ones(words: &[u64]) -> impl Iterator<Item = u32> + '_ {
    words.iter().enumerate().flat_map(|(at, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                at as u32 * 64 + bit
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::Count;
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index};

    /// An index in memory with one text field, and its writer.
    fn body_index() -> (Index, tantivy::schema::Field, tantivy::IndexWriter) {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let writer = index.writer(15_000_000).expect("writer");
        (index, body, writer)
    }

    /// Postings read in a stretch of words set exactly the bits a whole read sets there, and
    /// no others: stretches starting and ending inside blocks of postings, before the first
    /// posting, past the last, and empty.
    #[test]
    fn postings_read_in_a_stretch_are_those_of_a_whole_read_in_it() {
        let (index, body, mut writer) = body_index();
        // "word" in about 2,300 of 9,000 documents (18 blocks of postings): unevenly, at the
        // first document of every word of bits from the third, and in every document of two
        // stretches (whole blocks of consecutive documents, as a cell's listings are), one
        // starting and ending inside words of bits.
        let has_word = |i: u32| {
            i >= 128 && ((i * 7 + i / 100) % 36 < 7 || i.is_multiple_of(64))
                || (5_010..5_390).contains(&i)
                || (6_400..6_700).contains(&i)
        };
        for i in 0..9_000u32 {
            let text = if has_word(i) { "word" } else { "other" };
            writer.add_document(doc!(body => text)).expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let reader = searcher.segment_reader(0);
        let term = Term::from_field_text(body, "word");
        let info = reader
            .inverted_index(body)
            .expect("inverted")
            .get_term_info(&term)
            .expect("info")
            .expect("term");
        let mut whole = vec![0u64; word_count(reader)];
        let all = 0..whole.len();
        read_postings(reader, &term, &info, &mut whole, all).expect("whole");
        let mut expected = vec![0u64; whole.len()];
        for i in (0..9_000u32).filter(|&i| has_word(i)) {
            expected[i as usize / 64] |= 1 << (i % 64);
        }
        assert_eq!(whole, expected);
        assert!(whole.iter().map(|word| word.count_ones()).sum::<u32>() > 2_000);
        for stretch in [
            0..1,
            0..3,
            2..3,
            5..17,
            30..31,
            33..90,
            100..141,
            80..82,
            84..100,
            140..141,
            141..141,
            60..60,
        ] {
            let mut read = vec![0u64; word_count(reader)];
            let touched = read_postings(reader, &term, &info, &mut read, stretch.clone()).expect("read");
            let expected: Vec<u64> = (0..whole.len())
                .map(|at| if stretch.contains(&at) { whole[at] } else { 0 })
                .collect();
            assert_eq!(read, expected, "{stretch:?}");
            let set: Vec<usize> = (0..read.len()).filter(|&at| read[at] != 0).collect();
            match (set.first(), set.last()) {
                (Some(&first), Some(&last)) => assert_eq!(touched, first..last + 1, "{stretch:?}"),
                _ => assert!(touched.is_empty(), "{stretch:?}"),
            }
        }
    }

    proptest::proptest! {
        /// The stretches of set words cover every set word of the stretch asked about and no
        /// word outside it; each starts and ends at a set word, in order, and two are at least
        /// [`JOINED_GAP`] words apart.
        #[test]
        fn runs_cover_every_set_word_and_join_only_short_gaps(
            set_at in proptest::collection::vec(0usize..400, 0..60),
            from in 0usize..200,
            length in 0usize..300,
        ) {
            let mut words = vec![0u64; 400];
            for &at in &set_at {
                words[at] = 1 << (at % 64);
            }
            let asked = from..from + length;
            let found = runs(&words, asked.clone());
            for (at, &word) in words.iter().enumerate() {
                let covered = found.iter().any(|run| run.contains(&at));
                if word != 0 {
                    proptest::prop_assert_eq!(covered, asked.contains(&at), "word {}", at);
                }
                proptest::prop_assert!(!covered || asked.contains(&at), "word {} outside", at);
            }
            for run in &found {
                proptest::prop_assert!(words[run.start] != 0 && words[run.end - 1] != 0, "{:?}", run);
            }
            for pair in found.windows(2) {
                proptest::prop_assert!(pair[1].start >= pair[0].end + JOINED_GAP, "{:?}", pair);
            }
        }
    }

    /// A common word's repeated documents are those whose postings give it more than once, in
    /// every segment; a rarer word has none kept.
    #[test]
    fn repeated_documents_are_those_with_the_word_more_than_once() {
        let (index, body, mut writer) = body_index();
        // "common" once in every other document and three times in one in 7 of those; "rare"
        // twice in one in 300 (below the share kept as bits). Both segments alike (their order
        // among the searcher's is not the order they were written in).
        let times = |i: u32| match (i % 2500 % 2, i % 2500 % 7) {
            (0, 0) => 3,
            (0, _) => 1,
            _ => 0,
        };
        for i in 0..5_000u32 {
            let mut words = vec!["filler".to_string(); 1 + (i % 4) as usize];
            words.extend(std::iter::repeat_n("common".to_string(), times(i)));
            if i % 300 == 0 {
                words.extend(["rare".to_string(), "rare".to_string()]);
            }
            writer.add_document(doc!(body => words.join(" "))).expect("add");
            if i == 2_499 {
                writer.commit().expect("commit");
            }
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let docs = TermDocs::default();
        let common = Term::from_field_text(body, "common");
        let mut found = 0;
        for (segment, reader) in searcher.segment_readers().iter().enumerate() {
            for _ in 0..2 {
                let repeated = docs.repeated(reader, &common).expect("read").expect("kept");
                let expected: Vec<u32> = (0..2_500).filter(|doc| times(*doc) > 1).collect();
                assert_eq!(ones(&repeated).collect::<Vec<_>>(), expected, "segment {segment}");
                found += expected.len();
            }
            let rare = Term::from_field_text(body, "rare");
            assert!(docs.repeated(reader, &rare).expect("read").is_none());
        }
        assert!(found > 600, "{found}");
    }

    /// The same count as tantivy's union of the same terms, for common and rare words
    /// together, across segments, with deleted documents, and again from the kept bitsets.
    #[test]
    fn counts_what_a_union_of_term_queries_counts() {
        let (index, body, mut writer) = body_index();
        // "common" in every other document, "some" in one in 20, "rare" in one in 300 (below
        // the share kept as a bitset), "never" in none.
        for i in 0..9_000u32 {
            let mut words = vec![format!("n{}", i % 7)];
            for (word, every) in [("common", 2), ("some", 20), ("rare", 300)] {
                if i % every == 0 {
                    words.push(word.to_string());
                }
            }
            writer.add_document(doc!(body => words.join(" "))).expect("add");
            if i % 3_000 == 2_999 {
                writer.commit().expect("commit");
            }
        }
        writer.delete_term(Term::from_field_text(body, "n3"));
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        assert!(searcher.segment_readers().len() > 1);
        assert!(searcher.segment_readers().iter().any(|r| r.has_deletes()));
        let docs = TermDocs::default();
        docs.follow(&searcher);
        for words in [
            &["common"][..],
            &["some", "rare"],
            &["common", "some", "rare", "never"],
            &["rare"],
            &["never"],
        ] {
            let terms: Vec<Term> = words.iter().map(|w| Term::from_field_text(body, w)).collect();
            let union = BooleanQuery::new(
                terms
                    .iter()
                    .map(|term| {
                        let query = TermQuery::new(term.clone(), IndexRecordOption::Basic);
                        (Occur::Should, Box::new(query) as Box<dyn Query>)
                    })
                    .collect(),
            );
            let expected = searcher.search(&union, &Count).expect("count");
            for _ in 0..2 {
                let found: u32 = searcher
                    .segment_readers()
                    .iter()
                    .map(|reader| docs.count_any(reader, &terms).expect("count"))
                    .sum();
                assert_eq!(found as usize, expected, "{words:?}");
            }
        }
        assert!(!docs.kept.terms().is_empty(), "common words are kept");
        assert!(
            docs.kept
                .terms()
                .iter()
                .all(|term| term.value().as_str() != Some("rare")),
            "rare words are read from their postings"
        );
    }
}
