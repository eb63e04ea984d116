//! A search's text as the engine reads it, once per request: its words (stop words dropped in
//! every field, place names included), each word's stem, the words one edit away from a word
//! no listing has (a likely typo), and the needs its words name through synonyms.
//!
//! A typo is read through the term dictionary, not a list: every spelling one edit from the
//! typed word (a letter dropped, added, changed, or two swapped) is stemmed as listings are,
//! and the stems some listing has are what the word is read as. Stemming first is what makes
//! `lonley` find "lonely" (stem `lone`, two edits from `lonley`) and `exercize` find
//! "exercise" (stem `exercis`, where `exercize` stems to `exerc`).

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use tantivy::schema::Field;
use tantivy::{Index, Score, Searcher, Term};

use super::fields::{analyse, Fields, PLAIN, WORDS};
use super::vocabulary::Vocabulary;
use crate::domain::need::needs_for_word;
use crate::domain::NeedCode;

/// Words of a text read at most: a resident's question is a few words; what follows a pasted
/// paragraph's first words adds nothing a page could show.
pub const MOST_WORDS: usize = 32;

/// Words shorter than this are never read as typos (too many false friends: "tai", "chi").
const SHORTEST_TYPO: usize = 5;

/// Spellings a typo is read as at most (the most common first).
const MOST_CORRECTIONS: usize = 3;

/// Weight of a typo's reading against the word itself.
pub const CORRECTION_BOOST: Score = 0.3;

/// One word of a search's text.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// As typed, in lower case with accents folded: how place names are matched.
    pub plain: String,
    /// Its stem, as names, descriptions, organisations and topics are indexed.
    pub stem: String,
    /// When no listing has the word, the spellings one edit away that listings have.
    pub corrections: Vec<Correction>,
}

/// A spelling a typed word is read as.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// The word as read ("lonely" for "lonley").
    pub word: String,
    /// Its stem, the term searched.
    pub stem: String,
}

/// A search's text, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadText {
    pub words: Vec<Word>,
    /// Needs the words name through synonyms ("wobbly" → strength and balance); a typo's
    /// readings count as words.
    pub needs: Vec<NeedCode>,
}

/// A term a search's words are sought as, with its weight and the word it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct WordTerm {
    pub term: Term,
    pub boost: Score,
    /// The word (its position in [`ReadText::words`]) this term is a form of, or `None` for a
    /// need named by a synonym, which matches alone.
    pub word: Option<usize>,
}

/// The text fields words are sought in, each with its boost: names weigh most.
pub fn weighted_fields(fields: &Fields) -> [(Field, Score); 4] {
    [
        (fields.name, 3.0),
        (fields.topics, 2.0),
        (fields.organization, 1.2),
        (fields.description, 1.0),
    ]
}

/// The text fields words are sought in (as [`weighted_fields`] weighs them).
pub fn text_fields(fields: &Fields) -> [Field; 4] {
    weighted_fields(fields).map(|(field, _)| field)
}

/// Weight of a word found in a place name.
const PLACE_NAME_BOOST: Score = 1.5;
/// Weight of a need named by a synonym.
const SYNONYM_NEED_BOOST: Score = 4.0;

impl ReadText {
    /// Reads `text` against the index `searcher` sees (typos are words none of its listings has;
    /// `vocabulary` holds the stems of the text fields of `fields`).
    pub fn read(index: &Index, fields: &Fields, vocabulary: &Vocabulary, searcher: &Searcher, text: &str) -> ReadText {
        let stemmer = Stemmer::create(Algorithm::English);
        let mut words: Vec<Word> = analyse(index, WORDS, text)
            .into_iter()
            .take(MOST_WORDS)
            .map(|plain| Word {
                stem: stemmer.stem(&plain).into_owned(),
                plain,
                corrections: Vec::new(),
            })
            .collect();
        for word in &mut words {
            if is_unknown(fields, searcher, word) {
                word.corrections = corrections(fields, vocabulary, searcher, &stemmer, &word.plain);
            }
        }
        let needs = synonym_needs(index, text, &words);
        ReadText { words, needs }
    }

    /// Whether there is nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.needs.is_empty()
    }

    /// How many of the words a listing must have: half of them, rounded up (a need named by a
    /// synonym matches alone).
    pub fn required(&self) -> usize {
        self.words.len().div_ceil(2)
    }

    /// Whether any one word is enough: the text is then one union of its terms.
    pub fn is_flat(&self) -> bool {
        self.required() <= 1
    }

    /// Every term the text is sought as: each word's stem in each text field, the word as typed
    /// in place names, its typo readings' stems (weighing less), and the needs synonyms name.
    pub fn terms(&self, fields: &Fields) -> Vec<WordTerm> {
        let mut terms = Vec::new();
        for (at, word) in self.words.iter().enumerate() {
            for (field, boost) in weighted_fields(fields) {
                terms.push(WordTerm {
                    term: Term::from_field_text(field, &word.stem),
                    boost,
                    word: Some(at),
                });
            }
            terms.push(WordTerm {
                term: Term::from_field_text(fields.place_names, &word.plain),
                boost: PLACE_NAME_BOOST,
                word: Some(at),
            });
            for correction in &word.corrections {
                for (field, boost) in weighted_fields(fields) {
                    terms.push(WordTerm {
                        term: Term::from_field_text(field, &correction.stem),
                        boost: boost * CORRECTION_BOOST,
                        word: Some(at),
                    });
                }
            }
        }
        for need in &self.needs {
            terms.push(WordTerm {
                term: Term::from_field_text(fields.need, need.as_str()),
                boost: SYNONYM_NEED_BOOST,
                word: None,
            });
        }
        terms
    }

    /// Each typed word read as another, as (typed, read as).
    pub fn readings(&self) -> impl Iterator<Item = (&str, &str)> {
        self.words.iter().flat_map(|word| {
            word.corrections
                .iter()
                .map(|correction| (word.plain.as_str(), correction.word.as_str()))
        })
    }
}

/// Whether no listing has `word` in a text field (by stem) or a place name (as typed), and it
/// is long enough to be read as a typo.
fn is_unknown(fields: &Fields, searcher: &Searcher, word: &Word) -> bool {
    word.plain.chars().count() >= SHORTEST_TYPO
        && documents_with(searcher, fields.place_names, &word.plain) == 0
        && weighted_fields(fields)
            .iter()
            .all(|(field, _)| documents_with(searcher, *field, &word.stem) == 0)
}

/// Listings with `text` in `field` (deleted ones too: a typo's reading needs no exact count).
fn documents_with(searcher: &Searcher, field: Field, text: &str) -> u64 {
    let term = Term::from_field_text(field, text);
    searcher
        .segment_readers()
        .iter()
        .filter_map(|reader| reader.inverted_index(field).ok()?.get_term_info(&term).ok()?)
        .map(|info| u64::from(info.doc_freq))
        .sum()
}

/// The spellings one edit from `typed` whose stems listings have, most common first.
fn corrections(
    fields: &Fields,
    vocabulary: &Vocabulary,
    searcher: &Searcher,
    stemmer: &Stemmer,
    typed: &str,
) -> Vec<Correction> {
    // Each stem some listing may have once, with the first spelling that gives it (the few
    // hundred others are ruled out by the vocabulary, not the term dictionaries).
    let mut spelling_of: HashMap<String, String> = HashMap::new();
    let stems = vocabulary.stems(searcher);
    for_each_one_edit_spelling(typed, |spelling| {
        let stem = stemmer.stem(spelling);
        if !spelling_of.contains_key(stem.as_ref()) && stems.may_have(&stem) {
            spelling_of.insert(stem.into_owned(), spelling.to_string());
        }
    });
    let dictionaries: Vec<_> = searcher
        .segment_readers()
        .iter()
        .flat_map(|reader| {
            weighted_fields(fields)
                .into_iter()
                .filter_map(|(field, _)| Some((field, reader.inverted_index(field).ok()?)))
        })
        .collect();
    let mut found: Vec<(u64, Correction)> = spelling_of
        .into_iter()
        .filter_map(|(stem, word)| {
            let listings: u64 = dictionaries
                .iter()
                .filter_map(|(field, inverted)| {
                    inverted
                        .get_term_info(&Term::from_field_text(*field, &stem))
                        .ok()
                        .flatten()
                })
                .map(|info| u64::from(info.doc_freq))
                .sum();
            (listings > 0).then_some((listings, Correction { word, stem }))
        })
        .collect();
    found.sort_by(|(a, first), (b, second)| b.cmp(a).then_with(|| first.stem.cmp(&second.stem)));
    found
        .into_iter()
        .take(MOST_CORRECTIONS)
        .map(|(_, correction)| correction)
        .collect()
}

/// Calls `visit` with every spelling one edit from `word` (a letter swapped with the next,
/// changed, dropped or added), in that order; letters are a to z. Each is spelled into one
/// buffer: a typo has a few hundred, and most are only stemmed and dropped.
fn for_each_one_edit_spelling(word: &str, mut visit: impl FnMut(&str)) {
    let letters: Vec<char> = word.chars().collect();
    let mut edited: Vec<char> = Vec::with_capacity(letters.len() + 1);
    let mut spelling = String::with_capacity(word.len() + 4);
    let mut spell = |edited: &[char]| {
        spelling.clear();
        spelling.extend(edited);
        if spelling != word {
            visit(&spelling);
        }
    };
    for at in 0..letters.len().saturating_sub(1) {
        edited.clone_from(&letters);
        edited.swap(at, at + 1);
        spell(&edited);
    }
    for at in 0..letters.len() {
        edited.clone_from(&letters);
        for letter in 'a'..='z' {
            if letter != letters[at] {
                edited[at] = letter;
                spell(&edited);
            }
        }
    }
    for at in 0..letters.len() {
        edited.clone_from(&letters);
        edited.remove(at);
        spell(&edited);
    }
    for at in 0..=letters.len() {
        edited.clone_from(&letters);
        edited.insert(at, 'a');
        for letter in 'a'..='z' {
            edited[at] = letter;
            spell(&edited);
        }
    }
}

/// Needs named by the words, by their typo readings, or by two words side by side, counted
/// with stop words ("caring for") and without them ("tai and chi" names tai chi as "tai chi" does).
fn synonym_needs(index: &Index, text: &str, words: &[Word]) -> Vec<NeedCode> {
    let typed = analyse(index, PLAIN, text);
    let read: Vec<&str> = words.iter().map(|word| word.plain.as_str()).collect();
    let mut needs: Vec<NeedCode> = typed.iter().flat_map(|word| needs_for_word(word)).collect();
    for word in words {
        for correction in &word.corrections {
            needs.extend(needs_for_word(&correction.word));
        }
    }
    for pair in typed.windows(2) {
        needs.extend(needs_for_word(&pair.join(" ")));
    }
    for pair in read.windows(2) {
        needs.extend(needs_for_word(&pair.join(" ")));
    }
    needs.sort();
    needs.dedup();
    needs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_spellings_cover_every_kind_of_slip() {
        let mut spellings = Vec::new();
        for_each_one_edit_spelling("lonley", |spelling| spellings.push(spelling.to_string()));
        for slip in ["lonely", "loneley", "lonly", "lonlay"] {
            assert!(spellings.iter().any(|s| s == slip), "{slip}");
        }
        assert!(!spellings.iter().any(|s| s == "lonley"), "not the word itself");
        assert_eq!(spellings.len(), 5 + 25 * 6 + 6 + 26 * 7);
    }
}

#[cfg(test)]
mod reading_tests {
    use super::*;
    use crate::search::SearchIndex;

    #[test]
    fn stop_words_are_no_words() {
        let index = SearchIndex::in_memory(15_000_000).expect("index");
        let searcher = index.searcher();
        let (_, fields) = Fields::schema();
        let vocabulary = Vocabulary::new(&text_fields(&fields));
        let read = ReadText::read(index.index(), &fields, &vocabulary, &searcher, "tai and chi for the");
        let plain: Vec<&str> = read.words.iter().map(|word| word.plain.as_str()).collect();
        assert_eq!(plain, ["tai", "chi"]);
    }
}
