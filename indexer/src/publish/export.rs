//! Bulk export: every public service as one full Open Referral UK `/services/{id}` document a
//! line (NDJSON), the file the ORUK importer reads back.
//!
//! Services are read in id order a batch at a time, so memory stays flat at any size; the next
//! batch is read from the store while the current one is written.

use std::io::Write;

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::Directory;

/// Services read and rendered per batch: large enough that a batch's few set-wise queries
/// dominate nothing, small enough that a batch's documents take a few megabytes.
const EXPORT_BATCH: i64 = 2_000;

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub services: u64,
    pub bytes: u64,
}

impl Directory {
    /// Writes every public service to `out` as ORUK NDJSON, in id order, calling `progress`
    /// with the number written after each batch. The writer is used from a blocking thread.
    pub async fn export_oruk_ndjson<W: Write + Send + 'static>(
        &self,
        out: W,
        mut progress: impl FnMut(u64),
    ) -> Result<Exported> {
        let mut writer = std::io::BufWriter::with_capacity(1 << 20, out);
        let mut exported = Exported { services: 0, bytes: 0 };
        let mut after: Option<Uuid> = None;
        let mut next = self.export_batch(after).await?;
        while let Some((last, services)) = next {
            after = Some(last);
            // Serialise this batch on a blocking thread while the next is read.
            let writing = tokio::task::spawn_blocking(move || -> Result<(std::io::BufWriter<W>, u64, u64)> {
                let mut bytes = 0u64;
                let mut line = Vec::with_capacity(8 * 1024);
                for service in &services {
                    line.clear();
                    serde_json::to_writer(&mut line, service).map_err(|e| Error::Io(e.into()))?;
                    line.push(b'\n');
                    writer.write_all(&line)?;
                    bytes += line.len() as u64;
                }
                Ok((writer, services.len() as u64, bytes))
            });
            next = self.export_batch(after).await?;
            let (returned, count, bytes) = writing
                .await
                .map_err(|e| Error::Index(format!("export task failed: {e}")))??;
            writer = returned;
            exported.services += count;
            exported.bytes += bytes;
            progress(exported.services);
        }
        writer.flush()?;
        Ok(exported)
    }

    /// The next batch of public services after `after` in id order, rendered, with the last id
    /// read (a batch may render fewer services than ids if some were hidden meanwhile).
    async fn export_batch(&self, after: Option<Uuid>) -> Result<Option<(Uuid, Vec<super::oruk::Service>)>> {
        let ids = self.store().public_service_ids_after(after, EXPORT_BATCH).await?;
        let Some(&last) = ids.last() else { return Ok(None) };
        Ok(Some((last, self.oruk_services(&ids).await?)))
    }
}
