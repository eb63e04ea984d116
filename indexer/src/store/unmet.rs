//! The anonymous unmet-need counter signposting writes and gap reports read.

use super::Store;
use crate::domain::{NeedCode, PlaceCode};
use crate::error::Result;

impl Store {
    /// Adds one to the count of residents signposting found nothing for (place, need, week).
    /// No personal data: only the Place, the need code and the ISO week.
    pub async fn count_unmet_need(&self, place: &PlaceCode, need: NeedCode, week: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO unmet_need_counts (place_code, need_code, week, count) VALUES (?, ?, ?, 1)
             ON CONFLICT (place_code, need_code, week) DO UPDATE SET count = count + 1",
        )
        .bind(place.as_str())
        .bind(need.as_str())
        .bind(week)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
