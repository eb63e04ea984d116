//! Imports: ORUK, OpenActive feeds and spreadsheets into the directory.

mod feed_server;
mod openactive;
mod spreadsheet;
