//! Imports: bringing listings in from other directories, feeds and spreadsheets.
//!
//! # Layout
//! - [`openactive`]: the OpenActive RPDE consumer.

pub mod openactive;
