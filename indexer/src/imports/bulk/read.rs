//! Reading an ORUK NDJSON file on several threads while the writer writes: one thread cuts
//! the file into chunks of lines, parser threads turn each chunk into items with their content
//! hashes, and the writer receives the chunks in file order. A line the source's links already
//! hold (the same bytes a run read before: see [`crate::store::bulk::line_hash`]) is not parsed
//! at all: on a re-import nearly every line is one.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::{mpsc as std_mpsc, Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use std::path::Path;

use crate::error::{Error, Result};
use crate::imports::apply::{content_hash, listing_hash};
use crate::imports::oruk::{files, mapping::item_from_json};
use crate::imports::record::{ImportItem, ImportedListing, RejectedRecord, SourceKind};
use crate::store::bulk::line_hash;

/// Lines read before: line hash → the service record it was (links neither archived by the
/// source nor detached, whose content a line that hashes the same cannot have changed).
pub(crate) type SameLines = HashMap<[u8; 16], String>;

/// Chunks parsed ahead of the writer (each waits, parsed, for its turn).
const CHUNKS_AHEAD: usize = 6;

/// A parsed chunk: its items and the input bytes read up to its end.
pub(crate) type Chunk = (Vec<Prepared>, u64);

/// Parser threads: the machine's cores, at most four (the writer needs one too).
fn parsers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4)
}

/// Starts reading `path`; chunks of `chunk_lines` arrive in file order. A read error ends the
/// stream with that error.
pub(crate) fn read_ndjson(
    path: PathBuf,
    chunk_lines: usize,
    same: Arc<SameLines>,
) -> mpsc::Receiver<Result<oneshot::Receiver<Chunk>>> {
    let (ordered, receiver) = mpsc::channel(CHUNKS_AHEAD);
    let (work, work_queue) = std_mpsc::sync_channel::<(Vec<(u64, String)>, u64, oneshot::Sender<Chunk>)>(CHUNKS_AHEAD);
    let work_queue = Arc::new(Mutex::new(work_queue));
    for _ in 0..parsers() {
        let queue = Arc::clone(&work_queue);
        let same = Arc::clone(&same);
        std::thread::spawn(move || loop {
            let next = match queue.lock() {
                Ok(queue) => queue.recv(),
                Err(_) => return,
            };
            let Ok((lines, bytes, done)) = next else {
                return;
            };
            let items = lines
                .into_iter()
                .map(|(position, text)| {
                    let line = line_hash(&text);
                    match same.get(&line) {
                        Some(record_id) => Prepared::Same {
                            record_id: record_id.clone(),
                            position,
                            text,
                            line,
                        },
                        None => Prepared::parsed(item_from_json(&text, Some(position)), Some(line)),
                    }
                })
                .collect();
            let _ = done.send((items, bytes));
        });
    }
    std::thread::spawn(move || {
        if let Err(e) = cut(&path, chunk_lines, &work, &ordered) {
            let _ = ordered.blocking_send(Err(e));
        }
    });
    receiver
}

type Work = std_mpsc::SyncSender<(Vec<(u64, String)>, u64, oneshot::Sender<Chunk>)>;

/// Cuts the file into chunks of lines for the parsers; stops when the writer is gone.
fn cut(
    path: &std::path::Path,
    chunk_lines: usize,
    work: &Work,
    ordered: &mpsc::Sender<Result<oneshot::Receiver<Chunk>>>,
) -> Result<()> {
    let file = std::fs::File::open(path)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut chunk = Vec::with_capacity(chunk_lines);
    let (mut bytes, mut line_number) = (0u64, 0u64);
    let send = |chunk: Vec<(u64, String)>, bytes: u64| {
        let (done, wait) = oneshot::channel();
        ordered.blocking_send(Ok(wait)).is_ok() && work.send((chunk, bytes, done)).is_ok()
    };
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line)?;
        if read == 0 {
            break;
        }
        bytes += read as u64;
        line_number += 1;
        if line.trim().is_empty() {
            continue;
        }
        chunk.push((line_number, line));
        if chunk.len() >= chunk_lines && !send(std::mem::replace(&mut chunk, Vec::with_capacity(chunk_lines)), bytes) {
            return Ok(());
        }
    }
    if !chunk.is_empty() {
        send(chunk, bytes);
    }
    Ok(())
}

/// A record as the parser threads hand it over.
#[derive(Debug)]
pub(crate) enum Prepared {
    /// Parsed, with its content hashes and (NDJSON) the hash of its line.
    Parsed {
        item: ImportItem,
        hashes: Option<Hashes>,
        line: Option<[u8; 16]>,
    },
    /// A line the source's link already holds ([`read::SameLines`]): the record is unchanged,
    /// and was not parsed. Its text is kept should the run find it must parse it after all.
    Same {
        record_id: String,
        position: u64,
        text: String,
        line: [u8; 16],
    },
}

/// A parsed listing, with its content hashes and the hash of its line (NDJSON).
pub(super) type ParsedListing = (Box<ImportedListing>, Hashes, Option<[u8; 16]>);

/// A listing's content hashes: the listing's, its organisation's and each venue's.
#[derive(Debug)]
pub(crate) struct Hashes {
    pub(crate) listing: String,
    pub(crate) organization: String,
    pub(crate) venues: Vec<String>,
}

impl Prepared {
    /// A parsed item (`line`: the hash of the NDJSON line it was read from), hashed.
    pub(crate) fn parsed(item: ImportItem, line: Option<[u8; 16]>) -> Prepared {
        let hashes = match &item {
            ImportItem::Listing(listing) => Some(Hashes {
                listing: listing_hash(listing),
                organization: content_hash(&listing.organization),
                venues: listing.venues.iter().map(content_hash).collect(),
            }),
            _ => None,
        };
        Prepared::Parsed { item, hashes, line }
    }

    /// The service record id the run lists by this record, if any.
    pub(super) fn listed_id(&self) -> Option<&String> {
        match self {
            Prepared::Same { record_id, .. } => Some(record_id),
            Prepared::Parsed {
                item: ImportItem::Listing(listing),
                ..
            } => Some(&listing.source_record_id),
            Prepared::Parsed {
                item:
                    ImportItem::Rejected(RejectedRecord {
                        source_record_id: Some(id),
                        ..
                    }),
                ..
            } => Some(id),
            Prepared::Parsed { .. } => None,
        }
    }
}

/// Chunks of prepared records: NDJSON parsed on several threads, other formats as
/// [`files::read_batches`] reads them (hashed here).
pub(super) enum Chunks {
    Ndjson(tokio::sync::mpsc::Receiver<Result<tokio::sync::oneshot::Receiver<Chunk>>>),
    Batches(tokio::sync::mpsc::Receiver<Result<(Vec<ImportItem>, u64)>>),
}

impl Chunks {
    pub(super) fn open(path: &Path, format: SourceKind, records: usize, same: Arc<SameLines>) -> Chunks {
        match format {
            SourceKind::OrukNdjson => Chunks::Ndjson(read_ndjson(path.to_path_buf(), records, same)),
            other => Chunks::Batches(files::read_batches(path.to_path_buf(), other, records)),
        }
    }

    pub(super) async fn next(&mut self) -> Result<Option<Chunk>> {
        match self {
            Chunks::Ndjson(receiver) => match receiver.recv().await {
                None => Ok(None),
                Some(waiting) => Ok(Some(
                    waiting?
                        .await
                        .map_err(|_| Error::invalid("file", "a parser thread stopped"))?,
                )),
            },
            Chunks::Batches(receiver) => match receiver.recv().await {
                None => Ok(None),
                Some(batch) => {
                    let (items, bytes) = batch?;
                    Ok(Some((
                        items.into_iter().map(|item| Prepared::parsed(item, None)).collect(),
                        bytes,
                    )))
                }
            },
        }
    }
}
