//! The database half of an online backup.

use crate::store::db::{self};
use std::path::Path;

use super::Store;
use crate::error::{Error, Result};

impl Store {
    /// Writes a consistent, compacted copy of the database to `destination` (which must not
    /// exist) with `VACUUM INTO`: it reads one snapshot, so writers carry on meanwhile.
    pub async fn vacuum_into(&self, destination: &Path) -> Result<()> {
        let target = destination.to_str().ok_or_else(|| Error::DataDir {
            path: destination.to_path_buf(),
            reason: "the path is not valid UTF-8".into(),
        })?;
        db::query("VACUUM INTO ?1").bind(target).execute(self.pool()).await?;
        Ok(())
    }
}
