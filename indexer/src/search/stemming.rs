//! English stemming that remembers the words it has stemmed.
//!
//! Snowball takes about a microsecond a word, and listings share a small vocabulary: indexing a
//! million of them spent a tenth of all its time stemming the same few thousand words again.
//! The tokens are exactly those of tantivy's own `Stemmer` (the same algorithm, from the same
//! crate); only repeats are looked up instead of recomputed.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Words remembered per analyser before the memo starts again (a few MB at most).
const MEMO_WORDS: usize = 50_000;

/// A token filter stemming English words, remembering each word's stem.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoStemmer;

impl TokenFilter for MemoStemmer {
    type Tokenizer<T: Tokenizer> = MemoStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MemoStemmerFilter<T> {
        MemoStemmerFilter {
            inner: tokenizer,
            memo: HashMap::new(),
        }
    }
}

/// [`MemoStemmer`] applied to a tokenizer. Each copy of an analyser (tantivy takes one per
/// indexing thread and field) has its own memo, so no lock is shared.
#[derive(Clone)]
pub struct MemoStemmerFilter<T> {
    inner: T,
    memo: HashMap<String, String>,
}

impl<T: Tokenizer> Tokenizer for MemoStemmerFilter<T> {
    type TokenStream<'a> = MemoStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        if self.memo.len() > MEMO_WORDS {
            self.memo.clear();
        }
        MemoStemmerStream {
            tail: self.inner.token_stream(text),
            memo: &mut self.memo,
            stemmer: Stemmer::create(Algorithm::English),
        }
    }
}

/// The tokens of a [`MemoStemmerFilter`].
pub struct MemoStemmerStream<'a, T> {
    tail: T,
    memo: &'a mut HashMap<String, String>,
    stemmer: Stemmer,
}

impl<T: TokenStream> TokenStream for MemoStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        match self.memo.get(&token.text) {
            Some(stem) => token.text.clone_from(stem),
            None => {
                let stem = self.stemmer.stem(&token.text).into_owned();
                let word = std::mem::replace(&mut token.text, stem);
                self.memo.insert(word, token.text.clone());
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{Language, LowerCaser, SimpleTokenizer, Stemmer as TantivyStemmer, TextAnalyzer};

    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut tokens = Vec::new();
        while stream.advance() {
            tokens.push(stream.token().text.clone());
        }
        tokens
    }

    #[test]
    fn remembered_stems_are_the_stems_tantivy_gives() {
        let texts = [
            "Strength and balance classes for people who have had falls, or are falling",
            "Befriending: weekly visits and calls for lonely, isolated older residents",
            "Debt advice, benefits checks and help with heating bills; running generalisations",
            "classes classes falls falls running running isolated isolated",
            "",
        ];
        let mut theirs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(TantivyStemmer::new(Language::English))
            .build();
        let mut ours = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(MemoStemmer)
            .build();
        // Twice over, so the second round is answered from the memo.
        for text in texts.iter().chain(texts.iter()) {
            assert_eq!(tokens(&mut ours, text), tokens(&mut theirs, text), "{text}");
        }
        assert_eq!(tokens(&mut ours, "falls classes"), ["fall", "class"]);
    }
}
