//! The SQL of editing a listing ([`crate::editing`]): which kind a listing is and who owns it,
//! and the writes every kind shares, each run on the edit's own write transaction (`conn`) so
//! the checks, the change, its audit entry and its change-log rows commit together.

use crate::store::db::{self, Conn, Executor};
use chrono::Utc;

use uuid::Uuid;

use super::rows::uuid;
use super::Store;
use crate::editing::ResourceKind;
use crate::error::{Error, Result};

/// The table holding listings of `kind`.
pub(crate) fn table(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Organization => "organizations",
        ResourceKind::Service => "services",
        ResourceKind::Location => "locations",
        ResourceKind::Schedule => "schedules",
        ResourceKind::Fund => "funds",
    }
}

/// The organisation that owns a listing of this kind (`?` is the listing's id).
fn owner_sql(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Organization => "SELECT id FROM organizations WHERE id = ?",
        ResourceKind::Service => "SELECT organization_id FROM services WHERE id = ?",
        ResourceKind::Location => "SELECT organization_id FROM locations WHERE id = ?",
        ResourceKind::Schedule => {
            "SELECT s.organization_id FROM schedules sc JOIN services s ON s.id = sc.service_id WHERE sc.id = ?"
        }
        ResourceKind::Fund => "SELECT funder_organization_id FROM funds WHERE id = ?",
    }
}

/// Child rows that are part of a listing's state, as (field name, query by listing id).
pub(crate) fn child_lists(kind: ResourceKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        ResourceKind::Service => &[
            (
                "needs",
                "SELECT need_code FROM service_needs WHERE service_id = ? ORDER BY position",
            ),
            (
                "service_areas",
                "SELECT place_code FROM service_areas WHERE service_id = ? ORDER BY place_code",
            ),
            (
                "location_ids",
                "SELECT location_id FROM service_at_location WHERE service_id = ? ORDER BY location_id",
            ),
        ],
        ResourceKind::Fund => &[
            (
                "needs",
                "SELECT need_code FROM fund_needs WHERE fund_id = ? ORDER BY need_code",
            ),
            (
                "beneficiary_locations",
                "SELECT place_code FROM fund_beneficiary_locations WHERE fund_id = ? ORDER BY place_code",
            ),
        ],
        _ => &[],
    }
}

/// The organisation owning listing `id` of `kind` (`None`: nobody), or `NOT_FOUND`.
pub(crate) async fn owner_of<'e>(executor: impl Executor<'e>, kind: ResourceKind, id: Uuid) -> Result<Option<Uuid>> {
    owner_from(owner_sql(kind), executor, kind, id).await
}

/// [`owner_of`], and on PostgreSQL the listing's row locked until the edit's transaction ends
/// (`FOR NO KEY UPDATE`): what the edit reads next is the newest version, and no other edit
/// changes it meanwhile. SQLite's edits hold its write lock already.
pub(crate) async fn lock_listing(conn: &mut Conn<'_>, kind: ResourceKind, id: Uuid) -> Result<Option<Uuid>> {
    if conn.backend() == db::Backend::Sqlite {
        return owner_of(conn, kind, id).await;
    }
    let lock = match kind {
        ResourceKind::Schedule => " FOR NO KEY UPDATE OF sc",
        _ => " FOR NO KEY UPDATE",
    };
    owner_from(&format!("{}{lock}", owner_sql(kind)), conn, kind, id).await
}

async fn owner_from<'e>(sql: &str, executor: impl Executor<'e>, kind: ResourceKind, id: Uuid) -> Result<Option<Uuid>> {
    let owner: Option<Option<String>> = db::query_scalar(sql)
        .bind(id.to_string())
        .fetch_optional(executor)
        .await?;
    let Some(owner) = owner else {
        return Err(Error::not_found(kind.as_str(), id.to_string()));
    };
    owner.as_deref().map(uuid).transpose()
}

impl Store {
    /// Which kind of listing `id` is, if it is one.
    pub async fn listing_kind(&self, id: Uuid) -> Result<Option<ResourceKind>> {
        let sql = ResourceKind::ALL
            .iter()
            .map(|kind| format!("SELECT '{}' FROM {} WHERE id = ?1", kind.as_str(), table(*kind)))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let found: Option<String> = db::query_scalar(&sql)
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?;
        Ok(found.and_then(|name| ResourceKind::parse(&name)))
    }
}

/// Whether organisation `id` exists (archived or not).
pub(crate) async fn organization_exists(conn: &mut Conn<'_>, id: Uuid) -> Result<bool> {
    let exists: Option<i64> = db::query_scalar("SELECT CAST(1 AS BIGINT) FROM organizations WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(exists.is_some())
}

/// Whether organisation `id` is trusted (its changes publish without moderation); `None` when
/// there is no such organisation.
pub(crate) async fn organization_trusted(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<bool>> {
    let trusted: Option<db::Flag> = db::query_scalar("SELECT trusted FROM organizations WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(trusted.map(bool::from))
}

/// The services a venue (`Location`) or schedule (`Schedule`) belongs to; none for other kinds.
pub(crate) async fn services_of_part(conn: &mut Conn<'_>, kind: ResourceKind, id: Uuid) -> Result<Vec<Uuid>> {
    let sql = match kind {
        ResourceKind::Location => "SELECT service_id FROM service_at_location WHERE location_id = ?",
        ResourceKind::Schedule => "SELECT service_id FROM schedules WHERE id = ?",
        _ => return Ok(Vec::new()),
    };
    let ids: Vec<String> = db::query_scalar(sql).bind(id.to_string()).fetch_all(conn).await?;
    ids.iter().map(|id| uuid(id)).collect()
}

/// Sets columns of listing `id`'s row (`assignments` is trusted SQL, `values` bound in order)
/// and increases its version; organisations, services and funds also get `updated_at`.
pub(crate) async fn set_columns(
    conn: &mut Conn<'_>,
    kind: ResourceKind,
    id: Uuid,
    assignments: &str,
    values: &[Option<String>],
) -> Result<()> {
    let timestamp = match kind {
        ResourceKind::Location | ResourceKind::Schedule => "",
        _ => ", updated_at = ?",
    };
    let sql = format!(
        "UPDATE {} SET {assignments}, version = version + 1{timestamp} WHERE id = ?",
        table(kind)
    );
    let mut query = db::query(&sql);
    for value in values {
        query = query.bind(value.clone());
    }
    if !timestamp.is_empty() {
        query = query.bind(Utc::now());
    }
    query.bind(id.to_string()).execute(conn).await?;
    Ok(())
}

/// Records that listing `id` was confirmed accurate now (its version stays).
pub(crate) async fn set_last_reviewed(conn: &mut Conn<'_>, kind: ResourceKind, id: Uuid) -> Result<()> {
    db::query(&format!("UPDATE {} SET last_reviewed_at = ? WHERE id = ?", table(kind)))
        .bind(Utc::now())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks organisation `id` trusted or not.
pub(crate) async fn set_trusted(conn: &mut Conn<'_>, id: Uuid, trusted: bool) -> Result<()> {
    db::query("UPDATE organizations SET trusted = ? WHERE id = ?")
        .bind(trusted)
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether venue `location_id` is one of service `service_id`'s venues.
pub(crate) async fn service_has_location(conn: &mut Conn<'_>, service_id: Uuid, location_id: Uuid) -> Result<bool> {
    let linked: Option<i64> =
        db::query_scalar("SELECT CAST(1 AS BIGINT) FROM service_at_location WHERE service_id = ? AND location_id = ?")
            .bind(service_id.to_string())
            .bind(location_id.to_string())
            .fetch_optional(conn)
            .await?;
    Ok(linked.is_some())
}
