//! The anonymous unmet-need counter signposting writes and gap reports read.

use crate::store::db::{self, Conn};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{set_meta, Store};
use crate::domain::{NeedCode, PlaceCode};
use crate::error::Result;

/// The `meta` key of the secret the asker digests are keyed with.
const ASKER_KEY: &str = "unmet_asker_key";

impl Store {
    /// Adds one to the count of residents signposting found nothing for (place, need, week),
    /// at most once per `asker` (an opaque key of who asked, such as a client address) and
    /// week; returns whether it counted. No personal data is kept: the Place, the need code,
    /// the ISO week and, for askers, a keyed digest that changes every week (rows of earlier
    /// weeks are deleted here).
    pub async fn count_unmet_need(
        &self,
        place: &PlaceCode,
        need: NeedCode,
        week: &str,
        asker: Option<&str>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        if let Some(asker) = asker {
            let key = asker_key(&mut tx).await?;
            let digest = Sha256::new()
                .chain_update(key.as_bytes())
                .chain_update([0])
                .chain_update(week.as_bytes())
                .chain_update([0])
                .chain_update(asker.as_bytes())
                .finalize();
            let inserted = db::query(
                "INSERT INTO unmet_need_askers (place_code, need_code, week, asker_digest) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(place.as_str())
            .bind(need.as_str())
            .bind(week)
            .bind(digest.as_slice())
            .execute(&mut tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                tx.commit().await?;
                return Ok(false);
            }
            db::query("DELETE FROM unmet_need_askers WHERE week < ?")
                .bind(week)
                .execute(&mut tx)
                .await?;
        }
        db::query(
            "INSERT INTO unmet_need_counts (place_code, need_code, week, count) VALUES (?, ?, ?, 1)
             ON CONFLICT (place_code, need_code, week) DO UPDATE SET count = unmet_need_counts.count + 1",
        )
        .bind(place.as_str())
        .bind(need.as_str())
        .bind(week)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The data directory's secret for asker digests, made on first use.
async fn asker_key(conn: &mut Conn<'_>) -> Result<String> {
    let stored: Option<String> = db::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(ASKER_KEY)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(key) = stored {
        return Ok(key);
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let key: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    set_meta(conn, ASKER_KEY, &key).await?;
    Ok(key)
}
