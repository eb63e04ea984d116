//! Documents set aside on disk until their turn in the index's order.
//!
//! A rebuild reads listings in the order the database finds cheapest (by id: neighbouring
//! pages of each table and index), and a bulk import makes them in the order of its file, but
//! the index wants them in the order of the cells' curve (near listings get near document ids).
//! Holding a million documents in memory to sort them would take gigabytes, so they are sorted
//! the way a database sorts what does not fit: a few tens of thousands at a time in memory, each
//! such run written to a file of its own, and the runs merged when they are read back (one
//! document of each in memory at a time). Nothing needs to know the order's spread beforehand.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use uuid::Uuid;

use super::document::AssetDocument;
use crate::error::{Error, Result};

/// Where a document goes in the index: the lowest curve position of its venues
/// ([`AssetDocument::curve_position`]), then its id.
pub type OrderKey = (u64, Uuid);

/// The start of the name of a spill's directory.
const PREFIX: &str = "index-rebuild-";

/// The order key of a document.
pub fn order_key(document: &AssetDocument) -> OrderKey {
    (document.curve_position(), document.id)
}

/// Documents set aside in sorted runs on disk, to be read back merged in the index's order.
pub struct Spill {
    /// Documents of the run being filled, each serialised, with its key.
    pending: Vec<(OrderKey, Vec<u8>)>,
    /// Documents a run holds before it is sorted and written.
    per_run: usize,
    /// The runs written.
    runs: Vec<File>,
    held: usize,
    dir: tempfile::TempDir,
}

impl Spill {
    /// A spill in a new directory under `parent` (the system's temporary directory if `None`)
    /// that sorts `per_run` documents at a time in memory.
    ///
    /// Only the holder of the index's writer rebuilds it, one rebuild at a time, so any spill
    /// already under `parent` was left by a rebuild that did not finish (the process died): it
    /// is removed first.
    pub fn new(parent: Option<&Path>, per_run: usize) -> Result<Spill> {
        let dir = match parent {
            Some(parent) => {
                for entry in std::fs::read_dir(parent)? {
                    let entry = entry?;
                    if entry.file_name().to_string_lossy().starts_with(PREFIX) && entry.path().is_dir() {
                        std::fs::remove_dir_all(entry.path())?;
                    }
                }
                tempfile::Builder::new().prefix(PREFIX).tempdir_in(parent)?
            }
            None => tempfile::Builder::new().prefix(PREFIX).tempdir()?,
        };
        Ok(Spill {
            pending: Vec::new(),
            per_run: per_run.max(1),
            runs: Vec::new(),
            held: 0,
            dir,
        })
    }

    /// Sets a document aside.
    pub fn push(&mut self, document: &AssetDocument) -> Result<()> {
        let line = serde_json::to_vec(document).map_err(spill_error)?;
        self.pending.push((order_key(document), line));
        self.held += 1;
        if self.pending.len() >= self.per_run {
            self.write_run()?;
        }
        Ok(())
    }

    /// How many documents are set aside.
    pub fn count(&self) -> usize {
        self.held
    }

    /// Sorts the pending documents and writes them as a run.
    fn write_run(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.pending.sort_unstable_by_key(|(key, _)| *key);
        let path = self.dir.path().join(format!("{}.ndjson", self.runs.len()));
        let mut file = BufWriter::with_capacity(1 << 16, File::create(&path)?);
        for (_, line) in self.pending.drain(..) {
            file.write_all(&line)?;
            file.write_all(b"\n")?;
        }
        file.flush()?;
        drop(file);
        self.runs.push(File::open(&path)?);
        Ok(())
    }

    /// Hands every document back in the index's order, `per_batch` at a time; those `keep`
    /// refuses are left out.
    pub fn drain(
        mut self,
        per_batch: usize,
        mut keep: impl FnMut(&AssetDocument) -> bool,
        mut each: impl FnMut(Vec<AssetDocument>) -> Result<()>,
    ) -> Result<()> {
        self.write_run()?;
        let mut readers: Vec<Lines> = std::mem::take(&mut self.runs).into_iter().map(Lines::new).collect();
        // The head of every run, smallest key first.
        let mut heads: BinaryHeap<Reverse<(OrderKey, usize)>> = BinaryHeap::new();
        let mut documents: Vec<Option<AssetDocument>> = Vec::with_capacity(readers.len());
        for (number, reader) in readers.iter_mut().enumerate() {
            let head = reader.next_document()?;
            if let Some(document) = &head {
                heads.push(Reverse((order_key(document), number)));
            }
            documents.push(head);
        }
        let mut batch = Vec::with_capacity(per_batch.max(1));
        while let Some(Reverse((_, number))) = heads.pop() {
            let next = readers[number].next_document()?;
            if let Some(document) = &next {
                heads.push(Reverse((order_key(document), number)));
            }
            let document = std::mem::replace(&mut documents[number], next).expect("a run's head is held");
            if keep(&document) {
                batch.push(document);
                if batch.len() >= per_batch.max(1) {
                    each(std::mem::take(&mut batch))?;
                }
            }
        }
        if !batch.is_empty() {
            each(batch)?;
        }
        Ok(())
    }
}

/// A run read back a document at a time.
struct Lines {
    reader: BufReader<File>,
    line: Vec<u8>,
}

impl Lines {
    fn new(file: File) -> Lines {
        Lines {
            reader: BufReader::with_capacity(1 << 16, file),
            line: Vec::new(),
        }
    }

    fn next_document(&mut self) -> Result<Option<AssetDocument>> {
        self.line.clear();
        if self.reader.read_until(b'\n', &mut self.line)? == 0 {
            return Ok(None);
        }
        serde_json::from_slice(&self.line).map(Some).map_err(spill_error)
    }
}

/// Venues written as the bits of their coordinates, so that they read back exactly (a decimal
/// float in JSON may come back a unit in the last place off, and so move across a cell's edge).
pub(super) mod exact_points {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::GeoPoint;

    pub fn serialize<S: Serializer>(points: &[GeoPoint], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            points
                .iter()
                .map(|point| (point.latitude().to_bits(), point.longitude().to_bits())),
        )
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<GeoPoint>, D::Error> {
        Vec::<(u64, u64)>::deserialize(deserializer)?
            .into_iter()
            .map(|(latitude, longitude)| {
                GeoPoint::new(f64::from_bits(latitude), f64::from_bits(longitude))
                    .map_err(|(_, error)| D::Error::custom(error))
            })
            .collect()
    }
}

fn spill_error(error: serde_json::Error) -> Error {
    Error::Index(format!("documents set aside for a rebuild: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::GeoPoint;

    fn document(id: u128, latitude: f64) -> AssetDocument {
        AssetDocument {
            id: Uuid::from_u128(id),
            name: format!("listing {id}"),
            venues: vec![GeoPoint::new(latitude, -1.0).expect("in the UK")],
            needs: vec![crate::domain::NeedCode::parse("food").expect("known")],
            ..AssetDocument::default()
        }
    }

    #[test]
    fn documents_come_back_whole_in_the_index_order_whatever_order_they_went_in() {
        let documents: Vec<AssetDocument> = (0..500u128)
            .map(|n| document((n * 7_919) % 500, 50.0 + ((n * 104_729) % 997) as f64 / 100.0))
            .chain([AssetDocument {
                id: Uuid::from_u128(9_999),
                ..AssetDocument::default()
            }])
            .collect();
        let mut expected: Vec<OrderKey> = documents.iter().map(order_key).collect();
        expected.sort_unstable();
        let mut spill = Spill::new(None, 40).expect("spill");
        for document in &documents {
            spill.push(document).expect("push");
        }
        assert_eq!(spill.count(), documents.len());
        let mut batches = Vec::new();
        let mut back = Vec::new();
        spill
            .drain(
                64,
                |_| true,
                |batch| {
                    batches.push(batch.len());
                    back.extend(batch);
                    Ok(())
                },
            )
            .expect("drain");
        assert_eq!(batches, [64, 64, 64, 64, 64, 64, 64, 53]);
        assert_eq!(back.iter().map(order_key).collect::<Vec<_>>(), expected);
        for document in &documents {
            assert_eq!(back.iter().find(|d| d.id == document.id), Some(document));
        }
    }

    #[test]
    fn documents_keep_refuses_are_left_out_of_the_merged_runs() {
        let mut spill = Spill::new(None, 3).expect("spill");
        for n in 0..10u128 {
            spill.push(&document(n, 50.0 + n as f64 / 10.0)).expect("push");
        }
        let stale = |n: u128| n.is_multiple_of(2);
        let mut back = Vec::new();
        spill
            .drain(
                4,
                |document| !stale(document.id.as_u128()),
                |batch| {
                    back.extend(batch.iter().map(|document| document.id.as_u128()));
                    Ok(())
                },
            )
            .expect("drain");
        assert_eq!(back, [1, 3, 5, 7, 9]);
    }

    #[test]
    fn the_files_go_when_the_spill_does_and_a_dead_rebuilds_go_with_the_next() {
        let parent = tempfile::tempdir().expect("parent");
        let names = || {
            let mut names: Vec<String> = std::fs::read_dir(parent.path())
                .expect("list")
                .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        std::fs::create_dir(parent.path().join("index")).expect("index");
        std::fs::write(parent.path().join("directory.sqlite3"), b"kept").expect("database");
        let mut spill = Spill::new(Some(parent.path()), 10).expect("spill");
        spill.push(&document(1, 52.0)).expect("push");
        assert_eq!(names().len(), 3);
        // A rebuild that dies leaves its files behind.
        std::mem::forget(spill);
        assert_eq!(names().len(), 3);
        let spill = Spill::new(Some(parent.path()), 10).expect("spill");
        assert_eq!(names().len(), 3, "{:?}", names());
        drop(spill);
        assert_eq!(names(), ["directory.sqlite3", "index"]);
    }
}
