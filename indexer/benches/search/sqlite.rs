//! The embedded alternative a team would otherwise pick: SQLite with FTS5 over name, description
//! and topics, an R*Tree of venue points, and the other filters as ordinary indexed tables, on
//! the same synthetic data, queried through sqlx as the rest of the project queries SQLite.
//!
//! The SQL (also in the README's Benchmarks section):
//! - text: `service_fts MATCH '"w1" OR "w2"'` (any word, as the engine's two-word queries need
//!   one of two), ranked by `bm25(service_fts, 3, 1, 2)` (name weighs most).
//! - radius: the R*Tree box round the circle, then exact (equirectangular) distance, nearest
//!   venue per service; plus services serving an area containing the point.
//! - need, place: `service_need(need, service_id)` and `service_place(code, service_id, served)`
//!   (both `WITHOUT ROWID`, keyed for the lookup); age: columns on `service`; day:
//!   `service_session(service_id, day)` index.
//! - every query also counts all its matches (`COUNT(*) OVER ()`), as the engine does for
//!   `totalCount`; facets are two more `GROUP BY` statements over the same matches.

use std::path::Path;

use anyhow::Result;
use sqlx::sqlite::SqliteConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Executor, QueryBuilder, Row, Sqlite};

use crate::queries::Query;
use crate::synthetic::{self, Geography};

const SCHEMA: &str = r#"
CREATE TABLE service (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    organization TEXT NOT NULL,
    topics TEXT NOT NULL,
    min_age INTEGER NOT NULL,
    max_age INTEGER NOT NULL,
    free INTEGER NOT NULL,
    last_reviewed INTEGER NOT NULL
);
CREATE VIRTUAL TABLE venue_rtree USING rtree(id, min_lat, max_lat, min_lng, max_lng, +service_id);
CREATE TABLE service_need (need TEXT NOT NULL, service_id INTEGER NOT NULL, PRIMARY KEY (need, service_id)) WITHOUT ROWID;
CREATE TABLE service_place (
    code TEXT NOT NULL, service_id INTEGER NOT NULL, served INTEGER NOT NULL,
    PRIMARY KEY (code, served, service_id)
) WITHOUT ROWID;
CREATE TABLE service_session (service_id INTEGER NOT NULL, day INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL);
CREATE VIRTUAL TABLE service_fts USING fts5(
    name, description, topics, content='service', content_rowid='id', tokenize='porter unicode61'
);
"#;

const INDEXES: &str = r#"
CREATE INDEX service_session_by_service ON service_session(service_id, day);
CREATE INDEX service_need_by_service ON service_need(service_id);
CREATE INDEX service_place_by_service ON service_place(service_id);
INSERT INTO service_fts(service_fts) VALUES ('rebuild');
ANALYZE;
"#;

/// Venues within the circle (nearest per service), then services serving an area containing the
/// centre. Parameters ?1-?11: lat, lng, (km per degree of longitude)², south, north, west,
/// east, radius², three containing place codes.
const GEO: &str = r#"
near AS (
    SELECT service_id AS sid,
           MIN((min_lat - ?1) * (min_lat - ?1) * 12392.14 + (min_lng - ?2) * (min_lng - ?2) * ?3) AS d2
    FROM venue_rtree
    WHERE min_lat >= ?4 AND max_lat <= ?5 AND min_lng >= ?6 AND max_lng <= ?7
    GROUP BY service_id
    HAVING d2 <= ?8
),
served AS (
    SELECT DISTINCT service_id AS sid, 1.0e9 AS d2 FROM service_place
    WHERE code IN (?9, ?10, ?11) AND served = 1 AND service_id NOT IN (SELECT sid FROM near)
),
geo AS MATERIALIZED (SELECT sid, d2 FROM near UNION ALL SELECT sid, d2 FROM served)
"#;

fn text_only_sql() -> String {
    r#"
WITH text AS MATERIALIZED (SELECT rowid AS sid, bm25(service_fts, 3.0, 1.0, 2.0) AS rank FROM service_fts WHERE service_fts MATCH ?1)
SELECT s.uuid, text.rank, COUNT(*) OVER () AS total
FROM text JOIN service s ON s.id = text.sid
ORDER BY text.rank LIMIT 10"#
        .to_string()
}

fn radius_sql() -> String {
    format!(
        "WITH {GEO}
SELECT s.uuid, geo.d2, COUNT(*) OVER () AS total
FROM geo JOIN service s ON s.id = geo.sid
ORDER BY geo.d2 LIMIT 10"
    )
}

/// ?12 match, ?13 need, ?14 age, ?15 day, ?16 (radius / 2)² for the distance decay.
fn combined_sql() -> String {
    format!(
        "WITH text AS MATERIALIZED (SELECT rowid AS sid, bm25(service_fts, 3.0, 1.0, 2.0) AS rank FROM service_fts WHERE service_fts MATCH ?12),
{GEO}
SELECT s.uuid, text.rank * (0.5 + 0.5 / (1.0 + geo.d2 / ?16)) AS score, COUNT(*) OVER () AS total
FROM text
JOIN geo ON geo.sid = text.sid
JOIN service s ON s.id = text.sid
WHERE s.min_age <= ?14 AND s.max_age >= ?14
  AND EXISTS (SELECT 1 FROM service_need n WHERE n.need = ?13 AND n.service_id = s.id)
  AND EXISTS (SELECT 1 FROM service_session x WHERE x.service_id = s.id AND x.day = ?15)
ORDER BY score LIMIT 10"
    )
}

/// ?1 district, ?2 county, ?3 the day before which a listing is stale.
fn place_sql() -> String {
    r#"
WITH hits AS (
    SELECT service_id AS sid FROM service_place WHERE code = ?1 AND served = 0
    UNION
    SELECT service_id FROM service_place WHERE code IN (?1, ?2) AND served = 1
)
SELECT s.uuid, COUNT(*) OVER () AS total
FROM hits JOIN service s ON s.id = hits.sid
ORDER BY s.last_reviewed < ?3, s.id LIMIT 10"#
        .to_string()
}

/// The text-and-radius matches the facet statements share; ?12 match, ?16 (radius / 2)².
fn facet_hits() -> String {
    format!(
        "WITH text AS MATERIALIZED (SELECT rowid AS sid, bm25(service_fts, 3.0, 1.0, 2.0) AS rank FROM service_fts WHERE service_fts MATCH ?12),
{GEO},
hits AS MATERIALIZED (SELECT text.sid, text.rank * (0.5 + 0.5 / (1.0 + geo.d2 / ?16)) AS score FROM text JOIN geo ON geo.sid = text.sid)"
    )
}

/// The statements one query runs, in order.
pub struct Statements {
    text_only: String,
    radius: String,
    combined: String,
    place: String,
    facet_page: String,
    facet_needs: String,
    facet_districts: String,
}

impl Statements {
    pub fn new() -> Statements {
        let hits = facet_hits();
        Statements {
            text_only: text_only_sql(),
            radius: radius_sql(),
            combined: combined_sql(),
            place: place_sql(),
            facet_page: format!(
                "{hits}
SELECT s.uuid, hits.score, COUNT(*) OVER () FROM hits JOIN service s ON s.id = hits.sid ORDER BY hits.score LIMIT 10"
            ),
            facet_needs: format!(
                "{hits}
SELECT n.need, COUNT(*) FROM hits JOIN service_need n ON n.service_id = hits.sid GROUP BY n.need"
            ),
            facet_districts: format!(
                "{hits}
SELECT p.code, COUNT(*) FROM hits JOIN service_place p ON p.service_id = hits.sid
WHERE p.code >= 'E06' AND p.code < 'E10' GROUP BY p.code"
            ),
        }
    }
}

pub async fn connect(path: &Path) -> Result<SqliteConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .pragma("cache_size", "-262144")
        .pragma("mmap_size", "1073741824")
        .pragma("temp_store", "memory");
    Ok(SqliteConnection::connect_with(&options).await?)
}

/// Creates the tables and loads `count` synthetic services; returns the database size in bytes.
pub async fn build(connection: &mut SqliteConnection, geography: &Geography, count: u64) -> Result<u64> {
    connection.execute(SCHEMA).await?;
    let mut transaction = connection.begin().await?;
    let mut venue_id = 0i64;
    for start in (0..count).step_by(1000) {
        let docs: Vec<_> = (start..(start + 1000).min(count))
            .map(|index| (index as i64 + 1, synthetic::service(geography, index)))
            .collect();
        let mut services = QueryBuilder::<Sqlite>::new(
            "INSERT INTO service (id, uuid, name, description, organization, topics, min_age, max_age, free, last_reviewed) ",
        );
        services.push_values(&docs, |mut row, (id, doc)| {
            row.push_bind(*id)
                .push_bind(doc.id.to_string())
                .push_bind(doc.name.clone())
                .push_bind(doc.description.clone())
                .push_bind(doc.organization.clone())
                .push_bind(synthetic::topics(doc))
                .push_bind(doc.min_age.unwrap_or(0))
                .push_bind(doc.max_age.unwrap_or(200))
                .push_bind(doc.free)
                .push_bind(doc.last_reviewed.map_or(0, indexer::search::document::epoch_day));
        });
        services.build().execute(&mut *transaction).await?;
        let venues: Vec<(i64, i64, f64, f64)> = docs
            .iter()
            .flat_map(|(id, doc)| doc.venues.iter().map(|v| (*id, v.latitude(), v.longitude())))
            .map(|(id, lat, lng)| {
                venue_id += 1;
                (venue_id, id, lat, lng)
            })
            .collect();
        if !venues.is_empty() {
            let mut rtree = QueryBuilder::<Sqlite>::new(
                "INSERT INTO venue_rtree (id, min_lat, max_lat, min_lng, max_lng, service_id) ",
            );
            rtree.push_values(&venues, |mut row, (venue, service, lat, lng)| {
                row.push_bind(*venue)
                    .push_bind(*lat)
                    .push_bind(*lat)
                    .push_bind(*lng)
                    .push_bind(*lng)
                    .push_bind(*service);
            });
            rtree.build().execute(&mut *transaction).await?;
        }
        insert_rows(&mut transaction, &docs).await?;
    }
    transaction.commit().await?;
    connection.execute(INDEXES).await?;
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(&mut *connection)
        .await?;
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(&mut *connection)
        .await?;
    Ok((pages * page_size) as u64)
}

async fn insert_rows(
    transaction: &mut sqlx::Transaction<'_, Sqlite>,
    docs: &[(i64, indexer::search::AssetDocument)],
) -> Result<()> {
    let needs: Vec<(i64, &str)> = docs
        .iter()
        .flat_map(|(id, doc)| doc.needs.iter().map(move |n| (*id, n.as_str())))
        .collect();
    let mut statement = QueryBuilder::<Sqlite>::new("INSERT INTO service_need (service_id, need) ");
    statement.push_values(&needs, |mut row, (id, need)| {
        row.push_bind(*id).push_bind(*need);
    });
    statement.build().execute(&mut **transaction).await?;
    let places: Vec<(i64, String, bool)> = docs
        .iter()
        .flat_map(|(id, doc)| synthetic::place_rows(doc).into_iter().map(move |(c, s)| (*id, c, s)))
        .collect();
    let mut statement = QueryBuilder::<Sqlite>::new("INSERT INTO service_place (service_id, code, served) ");
    statement.push_values(&places, |mut row, (id, code, served)| {
        row.push_bind(*id).push_bind(code.clone()).push_bind(*served);
    });
    statement.build().execute(&mut **transaction).await?;
    let sessions: Vec<(i64, u8, u16, u16)> = docs
        .iter()
        .flat_map(|(id, doc)| doc.sessions.iter().map(move |s| (*id, s.day, s.start, s.end)))
        .collect();
    if !sessions.is_empty() {
        let mut statement = QueryBuilder::<Sqlite>::new("INSERT INTO service_session (service_id, day, start, end) ");
        statement.push_values(&sessions, |mut row, (id, day, start, end)| {
            row.push_bind(*id)
                .push_bind(i64::from(*day))
                .push_bind(i64::from(*start))
                .push_bind(i64::from(*end));
        });
        statement.build().execute(&mut **transaction).await?;
    }
    Ok(())
}

/// FTS5 query text: each analysed word quoted (so nothing is query syntax), any word matching.
fn match_text(text: &str) -> String {
    text.split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn bind_geo<'q>(
    mut statement: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    query: &Query,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    let (centre, radius_km) = query.near.as_ref().expect("a radius query");
    let (lat, lng) = (centre.point.latitude(), centre.point.longitude());
    let km_per_lng = 111.32 * lat.to_radians().cos();
    let lat_span = radius_km / 111.32;
    let lng_span = radius_km / km_per_lng;
    statement = statement
        .bind(lat)
        .bind(lng)
        .bind(km_per_lng * km_per_lng)
        .bind(lat - lat_span)
        .bind(lat + lat_span)
        .bind(lng - lng_span)
        .bind(lng + lng_span)
        .bind(radius_km * radius_km);
    for code in [&centre.places.county, &centre.places.district, &centre.places.lsoa] {
        statement = statement.bind(code.as_str().to_string());
    }
    statement
}

/// Runs one query; returns (rows on the page, total matches).
pub async fn run(connection: &mut SqliteConnection, statements: &Statements, query: &Query) -> Result<(usize, i64)> {
    let total_of = |rows: &[sqlx::sqlite::SqliteRow]| rows.first().map_or(Ok(0), |row| row.try_get::<i64, _>(2));
    if let Some(place) = &query.place {
        let stale_before = indexer::search::document::epoch_day(crate::queries::today()) - 365;
        let rows = sqlx::query(&statements.place)
            .bind(place.district.as_str().to_string())
            .bind(place.county.as_str().to_string())
            .bind(stale_before)
            .fetch_all(&mut *connection)
            .await?;
        let total = rows.first().map_or(Ok(0), |row| row.try_get::<i64, _>(1))?;
        return Ok((rows.len(), total));
    }
    let Some((_, radius_km)) = &query.near else {
        let text = query.text.expect("text-only query");
        let rows = sqlx::query(&statements.text_only)
            .bind(match_text(text))
            .fetch_all(&mut *connection)
            .await?;
        return Ok((rows.len(), total_of(&rows)?));
    };
    let decay = (radius_km / 2.0).max(1.0).powi(2);
    let Some(text) = query.text else {
        let rows = bind_geo(sqlx::query(&statements.radius), query)
            .fetch_all(&mut *connection)
            .await?;
        return Ok((rows.len(), total_of(&rows)?));
    };
    if query.facets {
        let mut page = Vec::new();
        for sql in [
            &statements.facet_page,
            &statements.facet_needs,
            &statements.facet_districts,
        ] {
            let rows = bind_geo(sqlx::query(sql), query)
                .bind(match_text(text))
                .bind(0i64) // ?13-?15 unused by the facet statements
                .bind(0i64)
                .bind(0i64)
                .bind(decay)
                .fetch_all(&mut *connection)
                .await?;
            if page.is_empty() {
                page = rows;
            }
        }
        return Ok((page.len(), total_of(&page)?));
    }
    let rows = bind_geo(sqlx::query(&statements.combined), query)
        .bind(match_text(text))
        .bind(query.need.expect("need"))
        .bind(query.age.expect("age"))
        .bind(i64::from(query.day.expect("day")))
        .bind(decay)
        .fetch_all(&mut *connection)
        .await?;
    Ok((rows.len(), total_of(&rows)?))
}
