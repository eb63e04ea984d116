//! Documents set aside on disk until their turn in the index's order.
//!
//! A rebuild reads listings in the order the database finds cheapest (by id: neighbouring
//! pages of each table and index) but must add them in the order of the cells' curve (near
//! listings get near document ids). Holding a million documents in memory to sort them would
//! take gigabytes, so each goes to one of some tens of files on disk, each file a stretch of
//! the order; the files are then read back one at a time, each sorted in memory.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, Write};
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

/// Documents set aside in files, each file a stretch of the index's order.
pub struct Spill {
    /// The first key of every stretch after the first, ascending.
    bounds: Vec<OrderKey>,
    files: Vec<BufWriter<File>>,
    held: usize,
    /// Removed, with the files, when the spill is dropped.
    _dir: tempfile::TempDir,
}

impl Spill {
    /// A spill in a new directory under `parent` (the system's temporary directory if `None`)
    /// whose stretches each take about `per_file` of the documents whose keys are `expected`
    /// (sorted). A document whose key was not expected goes to the stretch its key falls in.
    ///
    /// Only the holder of the index's writer rebuilds it, one rebuild at a time, so any spill
    /// already under `parent` was left by a rebuild that did not finish (the process died): it
    /// is removed first.
    pub fn new(parent: Option<&Path>, expected: &[OrderKey], per_file: usize) -> Result<Spill> {
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
        let bounds: Vec<OrderKey> = expected.iter().step_by(per_file.max(1)).skip(1).copied().collect();
        let files = (0..=bounds.len())
            .map(|number| {
                let file = File::options()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .open(dir.path().join(format!("{number}.ndjson")))?;
                Ok(BufWriter::with_capacity(1 << 16, file))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Spill {
            bounds,
            files,
            held: 0,
            _dir: dir,
        })
    }

    /// Sets a document aside.
    pub fn push(&mut self, document: &AssetDocument) -> Result<()> {
        let key = order_key(document);
        let file = &mut self.files[self.bounds.partition_point(|bound| *bound <= key)];
        serde_json::to_writer(&mut *file, document).map_err(spill_error)?;
        file.write_all(b"\n")?;
        self.held += 1;
        Ok(())
    }

    /// How many documents are set aside.
    pub fn count(&self) -> usize {
        self.held
    }

    /// Hands every document back in the index's order, a stretch at a time.
    pub fn drain(self, mut each: impl FnMut(Vec<AssetDocument>) -> Result<()>) -> Result<()> {
        let mut text = String::new();
        for file in self.files {
            let mut file = file.into_inner().map_err(|error| Error::Io(error.into_error()))?;
            file.rewind()?;
            text.clear();
            file.read_to_string(&mut text)?;
            let mut documents = text
                .lines()
                .map(|line| serde_json::from_str::<AssetDocument>(line).map_err(spill_error))
                .collect::<Result<Vec<_>>>()?;
            documents.sort_by_cached_key(order_key);
            if !documents.is_empty() {
                each(documents)?;
            }
        }
        Ok(())
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
        // Planned from only some of the keys, as when listings change during a rebuild.
        let planned: Vec<OrderKey> = expected.iter().step_by(3).copied().collect();
        let mut spill = Spill::new(None, &planned, 40).expect("spill");
        for document in &documents {
            spill.push(document).expect("push");
        }
        assert_eq!(spill.count(), documents.len());
        let mut stretches = 0;
        let mut back = Vec::new();
        spill
            .drain(|stretch| {
                stretches += 1;
                back.extend(stretch);
                Ok(())
            })
            .expect("drain");
        assert!(stretches > 3, "{stretches} stretches");
        assert_eq!(back.iter().map(order_key).collect::<Vec<_>>(), expected);
        for document in &documents {
            assert_eq!(back.iter().find(|d| d.id == document.id), Some(document));
        }
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
        let mut spill = Spill::new(Some(parent.path()), &[], 10).expect("spill");
        spill.push(&document(1, 52.0)).expect("push");
        assert_eq!(names().len(), 3);
        // A rebuild that dies leaves its files behind.
        std::mem::forget(spill);
        assert_eq!(names().len(), 3);
        let spill = Spill::new(Some(parent.path()), &[], 10).expect("spill");
        assert_eq!(names().len(), 3, "{:?}", names());
        drop(spill);
        assert_eq!(names(), ["directory.sqlite3", "index"]);
    }
}
