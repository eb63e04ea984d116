//! Type-ahead: names of listings with a word starting with what was typed.

use tantivy::collector::TopDocs;
use tantivy::query::TermSetQuery;
use tantivy::schema::Value;
use tantivy::{TantivyDocument, Term};
use uuid::Uuid;

use crate::error::{Error, Result};

use super::*;

/// A type-ahead suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub text: String,
    pub kind: Option<AssetKind>,
    pub id: Option<Uuid>,
}

impl SearchIndex {
    /// Names of listings with a word starting with `prefix`, best first.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let words = fields::analyse(&self.index, PLAIN, prefix);
        let Some(last) = words.last() else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let mut terms = Vec::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.name_words).map_err(index_error)?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(last.as_bytes())
                .into_stream()
                .map_err(|e| Error::Index(e.to_string()))?;
            while stream.advance() && terms.len() < 64 {
                let Ok(term) = std::str::from_utf8(stream.key()) else {
                    break;
                };
                if !term.starts_with(last.as_str()) {
                    break;
                }
                terms.push(Term::from_field_text(self.fields.name_words, term));
            }
        }
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let top = searcher
            .search(&TermSetQuery::new(terms), &TopDocs::with_limit(limit * 3))
            .map_err(index_error)?;
        let mut suggestions: Vec<Suggestion> = Vec::new();
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(index_error)?;
            let name = doc
                .get_first(self.fields.name)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            let id = doc
                .get_first(self.fields.id)
                .and_then(|v| v.as_str())
                .and_then(|id| Uuid::parse_str(id).ok());
            let kind = doc
                .get_first(self.fields.kind)
                .and_then(|v| v.as_str())
                .and_then(AssetKind::parse);
            if name.is_empty() || suggestions.iter().any(|s| s.text == name) {
                continue;
            }
            suggestions.push(Suggestion { text: name, kind, id });
        }
        suggestions.sort_by_key(|s| s.text.len());
        suggestions.truncate(limit);
        Ok(suggestions)
    }
}
