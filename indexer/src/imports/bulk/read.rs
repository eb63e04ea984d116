//! Reading an ORUK NDJSON file on several threads while the writer writes: one thread cuts
//! the file into chunks of lines, parser threads turn each chunk into items with their content
//! hashes, and the writer receives the chunks in file order.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::{mpsc as std_mpsc, Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use super::Prepared;
use crate::error::Result;
use crate::imports::oruk::mapping::item_from_json;

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
pub(crate) fn read_ndjson(path: PathBuf, chunk_lines: usize) -> mpsc::Receiver<Result<oneshot::Receiver<Chunk>>> {
    let (ordered, receiver) = mpsc::channel(CHUNKS_AHEAD);
    let (work, work_queue) = std_mpsc::sync_channel::<(Vec<(u64, String)>, u64, oneshot::Sender<Chunk>)>(CHUNKS_AHEAD);
    let work_queue = Arc::new(Mutex::new(work_queue));
    for _ in 0..parsers() {
        let queue = Arc::clone(&work_queue);
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
                .map(|(line, text)| Prepared::new(item_from_json(&text, Some(line))))
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
