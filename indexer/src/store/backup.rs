//! The database half of an online backup.

use crate::store::db::{self, Backend};
use std::path::Path;

use super::Store;
use crate::error::{Error, Result};

impl Store {
    /// Writes a consistent, compacted copy of the database to `destination` (which must not
    /// exist) with `VACUUM INTO`: it reads one snapshot, so writers carry on meanwhile.
    ///
    /// SQLite only: a PostgreSQL directory is backed up with the server's own tools
    /// (`pg_dump`), and this says so.
    pub async fn vacuum_into(&self, destination: &Path) -> Result<()> {
        if self.backend() != Backend::Sqlite {
            return Err(Error::invalid(
                "backup",
                "this directory's database is PostgreSQL: back it up with pg_dump (README, \"Running at scale\")",
            ));
        }
        let target = destination.to_str().ok_or_else(|| Error::DataDir {
            path: destination.to_path_buf(),
            reason: "the path is not valid UTF-8".into(),
        })?;
        db::query("VACUUM INTO ?1").bind(target).execute(self.pool()).await?;
        Ok(())
    }
}
