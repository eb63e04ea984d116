//! Every problem found in an area pack, collected before the load is refused.
//!
//! A pack is checked whole: each reader and check adds what it finds here and carries on, so
//! the operator sees every reason at once. A kind of problem that repeats (a million rows with
//! the wrong easting) is listed a few times, then counted.

use std::collections::BTreeMap;

/// How many problems of one kind are spelled out before the rest are only counted.
const SHOWN_PER_KIND: usize = 8;

/// The problems found so far, in the order found.
#[derive(Debug, Default)]
pub struct Problems {
    listed: Vec<String>,
    /// Per kind: how many were found (listed or not).
    found_per_kind: BTreeMap<&'static str, usize>,
}

impl Problems {
    /// Records a problem of a kind (a short key such as `"codepoint-easting"`).
    pub fn push(&mut self, kind: &'static str, message: impl Into<String>) {
        let found = self.found_per_kind.entry(kind).or_default();
        *found += 1;
        if *found <= SHOWN_PER_KIND {
            self.listed.push(message.into());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.found_per_kind.is_empty()
    }

    /// How many problems were found in all.
    pub fn count(&self) -> usize {
        self.found_per_kind.values().sum()
    }

    /// Every problem as a line: those spelled out, then a count for each kind with more.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = self.listed.clone();
        for (kind, found) in &self.found_per_kind {
            if *found > SHOWN_PER_KIND {
                lines.push(format!(
                    "... and {} more problems of the same kind ({kind})",
                    found - SHOWN_PER_KIND
                ));
            }
        }
        lines
    }
}
