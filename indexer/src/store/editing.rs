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

/// The organisation that owns a listing of this kind (`?` is the listing's id): the owner
/// column of its own row ([`owner_column`]), or, for a schedule, its service's.
fn owner_sql(kind: ResourceKind) -> String {
    match owner_column(kind) {
        Some(column) => format!("SELECT {column} FROM {} WHERE id = ?", table(kind)),
        None => "SELECT s.organization_id FROM schedules sc JOIN services s ON s.id = sc.service_id WHERE sc.id = ?"
            .to_string(),
    }
}

/// Child rows that are part of a listing's state: a list of values in a table of its own.
pub(crate) struct ChildList {
    /// The field's name in a snapshot.
    pub name: &'static str,
    pub table: &'static str,
    /// The column holding the listing's id.
    pub owner: &'static str,
    /// The column listed.
    pub value: &'static str,
    /// The column the list is in order of, before the value (`None`: by value alone).
    pub position: Option<&'static str>,
}

/// The child lists of a listing of `kind`.
pub(crate) fn child_lists(kind: ResourceKind) -> &'static [ChildList] {
    const fn list(
        name: &'static str,
        table: &'static str,
        owner: &'static str,
        value: &'static str,
        position: Option<&'static str>,
    ) -> ChildList {
        ChildList {
            name,
            table,
            owner,
            value,
            position,
        }
    }
    const SERVICE: &[ChildList] = &[
        list("needs", "service_needs", "service_id", "need_code", Some("position")),
        list("service_areas", "service_areas", "service_id", "place_code", None),
        list("location_ids", "service_at_location", "service_id", "location_id", None),
    ];
    const FUND: &[ChildList] = &[
        list("needs", "fund_needs", "fund_id", "need_code", None),
        list(
            "beneficiary_locations",
            "fund_beneficiary_locations",
            "fund_id",
            "place_code",
            None,
        ),
    ];
    match kind {
        ResourceKind::Service => SERVICE,
        ResourceKind::Fund => FUND,
        _ => &[],
    }
}

/// One query reading every child list of a listing (`?1` is its id), as rows of (list number,
/// position, value) in order.
pub(crate) fn child_lists_sql(lists: &[ChildList]) -> String {
    let selects: Vec<String> = lists
        .iter()
        .enumerate()
        .map(|(number, list)| {
            format!(
                "SELECT CAST({number} AS BIGINT) AS list, CAST({} AS BIGINT) AS position, {} AS value FROM {} WHERE {} = ?1",
                list.position.unwrap_or("0"),
                list.value,
                list.table,
                list.owner
            )
        })
        .collect();
    format!("{} ORDER BY 1, 2, 3", selects.join(" UNION ALL "))
}

/// The organisation owning listing `id` of `kind` (`None`: nobody), or `NOT_FOUND`.
pub(crate) async fn owner_of<'e>(executor: impl Executor<'e>, kind: ResourceKind, id: Uuid) -> Result<Option<Uuid>> {
    let owner: Option<Option<String>> = db::query_scalar(&owner_sql(kind))
        .bind(id.to_string())
        .fetch_optional(executor)
        .await?;
    let Some(owner) = owner else {
        return Err(Error::not_found(kind.as_str(), id.to_string()));
    };
    owner.as_deref().map(uuid).transpose()
}

/// The column of the listing's own row that names its owning organisation (`None`: a schedule,
/// owned through its service).
pub(crate) fn owner_column(kind: ResourceKind) -> Option<&'static str> {
    match kind {
        ResourceKind::Organization => Some("id"),
        ResourceKind::Service | ResourceKind::Location => Some("organization_id"),
        ResourceKind::Fund => Some("funder_organization_id"),
        ResourceKind::Schedule => None,
    }
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
