//! Test support: every test gets its own copy of one seeded data directory, so tests are
//! independent and the (few-second) seeding runs once per test binary.
//!
//! With `TEST_DATABASE_URL` set (a PostgreSQL URL whose user may create databases, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`), [`seeded`] directories run on PostgreSQL:
//! the template is seeded once into its own database, and each test gets a database copied
//! from it (`CREATE DATABASE ... TEMPLATE`); a run drops the databases earlier runs left.
//! Tests that open a data directory themselves stay on SQLite.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use api::graphql::DirectorySchema;
use indexer::accounts::{Role, Viewer};
use indexer::directory::DATABASE_FILE;
use indexer::Directory;
use serde_json::Value;
use tempfile::TempDir;
use uuid::Uuid;

/// A seeded directory in a temporary data directory, with the GraphQL schema over it.
pub struct TestDirectory {
    pub data_dir: TempDir,
    pub directory: Directory,
    pub schema: DirectorySchema,
    /// The test's own PostgreSQL database (PostgreSQL runs only).
    pub database: Option<TestDatabase>,
}

/// The PostgreSQL server the suite runs against, if `TEST_DATABASE_URL` names one.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// `admin_url` with its database name replaced by `database`.
pub fn url_of_database(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    format!("{server}/{database}{query}")
}

/// Runs one statement on the admin database, on a runtime of its own (callable from `Drop`
/// and from synchronous set-up).
pub fn admin_statement(admin_url: &str, sql: String) {
    let admin_url = admin_url.to_string();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            sqlx::raw_sql(&sql)
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            let _ = conn.close().await;
        });
    })
    .join()
    .expect("admin statement thread");
}

/// A database of this test run on the PostgreSQL server. It outlives the value (a test may keep
/// its `Directory` after dropping the rest of its `TestDirectory`); the next run drops the
/// databases of runs that have finished.
#[derive(Debug)]
pub struct TestDatabase {
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// A new database holding the seeded directory, and the template's data directory (its
    /// search index) to copy for a replica that should start with one.
    pub fn seeded(admin_url: &str) -> (TestDatabase, &'static Path) {
        let (template, template_dir) = postgres_template(admin_url);
        (TestDatabase::from_template(admin_url, template), template_dir.as_path())
    }

    /// A new, empty database (no schema).
    pub fn empty(admin_url: &str) -> TestDatabase {
        postgres_template(admin_url);
        TestDatabase::from_template(admin_url, "template0")
    }

    /// A new database copied from the seeded template database.
    fn from_template(admin_url: &str, template: &str) -> TestDatabase {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let name = format!(
            "test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        admin_statement(admin_url, format!("CREATE DATABASE {name} TEMPLATE {template}"));
        TestDatabase {
            admin_url: admin_url.to_string(),
            name,
        }
    }

    /// A new database copied from this one (nothing may be connected to this one meanwhile).
    pub fn copy(&self) -> TestDatabase {
        TestDatabase::from_template(&self.admin_url, &self.name)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn url(&self) -> String {
        url_of_database(&self.admin_url, &self.name)
    }
}

/// Drops the template and test databases of test processes that are no longer running (a run
/// stopped before its `Drop`s), so the server does not fill up run after run.
fn drop_databases_of_finished_runs(admin_url: &str) {
    let listing_url = admin_url.to_string();
    let names: Vec<String> = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&listing_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            let names = sqlx::query_scalar::<_, String>(
                "SELECT datname FROM pg_database WHERE datname LIKE 'directory_template_%' OR datname LIKE 'test_%'",
            )
            .fetch_all(&mut conn)
            .await
            .expect("list databases");
            let _ = conn.close().await;
            names
        })
    })
    .join()
    .expect("listing thread");
    for name in names {
        let pid = name
            .trim_start_matches("directory_template_")
            .trim_start_matches("test_")
            .split('_')
            .next()
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                admin_statement(admin_url, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// The seeded PostgreSQL template: its database name and its data directory (the index).
fn postgres_template(admin_url: &str) -> &'static (String, PathBuf) {
    static TEMPLATE: OnceLock<(String, PathBuf)> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        drop_databases_of_finished_runs(admin_url);
        let name = format!("directory_template_{}", std::process::id());
        admin_statement(admin_url, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        admin_statement(admin_url, format!("CREATE DATABASE {name}"));
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("seeded-template-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        let seeding_path = path.clone();
        let options = indexer::DirectoryOptions {
            database_url: Some(url_of_database(admin_url, &name)),
            ..indexer::DirectoryOptions::default()
        };
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async {
                let directory = Directory::open_with_options(&seeding_path, options)
                    .await
                    .expect("seed the PostgreSQL template directory");
                directory.close().await;
            });
        })
        .join()
        .expect("seeding thread");
        (name, path)
    })
}

/// The workspace root (for reading `seed/` and `schema.graphql`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Seeds a data directory once per test run, on its own runtime, and closes it so the
/// database file is complete (WAL checkpointed).
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("seeded-template-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        let seeding_path = path.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async {
                let directory = Directory::open(&seeding_path)
                    .await
                    .expect("seed the template directory");
                directory.close().await;
            });
        })
        .join()
        .expect("seeding thread");
        path
    })
}

/// A private copy of the seeded template, opened.
pub async fn seeded() -> TestDirectory {
    if let Some(admin_url) = postgres_admin_url() {
        let (template, template_dir) = postgres_template(&admin_url);
        let database = TestDatabase::from_template(&admin_url, template);
        let data_dir = tempfile::tempdir().expect("temp dir");
        copy_tree(template_dir, data_dir.path());
        let options = indexer::DirectoryOptions {
            database_url: Some(database.url()),
            ..indexer::DirectoryOptions::default()
        };
        let directory = Directory::open_with_options(data_dir.path(), options)
            .await
            .expect("open a copy of the seeded PostgreSQL directory");
        return TestDirectory::of(directory, data_dir, Some(database));
    }
    let data_dir = copy_of_template();
    let directory = Directory::open(data_dir.path())
        .await
        .expect("open a copy of the seeded directory");
    TestDirectory::of(directory, data_dir, None)
}

/// A private copy of the seeded template, not opened.
pub fn copy_of_template() -> TempDir {
    let data_dir = tempfile::tempdir().expect("temp dir");
    copy_tree(template(), data_dir.path());
    assert!(data_dir.path().join(DATABASE_FILE).exists());
    data_dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("template exists") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy template file");
        }
    }
}

impl TestDirectory {
    /// An opened directory with its schema, its data directory and its PostgreSQL database (if
    /// it has one of its own).
    pub fn of(directory: Directory, data_dir: TempDir, database: Option<TestDatabase>) -> TestDirectory {
        TestDirectory {
            schema: api::graphql::build_schema(directory.clone()),
            directory,
            data_dir,
            database,
        }
    }

    /// The id of the first organisation the public list shows.
    pub async fn first_organization_id(&self) -> String {
        self.data(r#"{ organizations(first: 1) { edges { node { id } } } }"#)
            .await["organizations"]["edges"][0]["node"]["id"]
            .as_str()
            .expect("an organisation")
            .to_string()
    }

    /// How to open this directory again (its PostgreSQL database, if it has one).
    pub fn options(&self) -> indexer::DirectoryOptions {
        indexer::DirectoryOptions {
            database_url: self.database.as_ref().map(TestDatabase::url),
            ..indexer::DirectoryOptions::default()
        }
    }

    /// Whether this directory's store is PostgreSQL (a `TEST_DATABASE_URL` run).
    pub fn on_postgres(&self) -> bool {
        self.database.is_some()
    }

    /// Runs a query and returns the whole response as JSON (`data` and `errors`).
    /// Serves this directory with the default options (see [`serve_state`]); returns the base URL.
    pub async fn serve(&self) -> String {
        serve_state(api::AppState::new(self.directory.clone())).await
    }

    pub async fn execute(&self, query: &str) -> Value {
        let response = self.schema.execute(query).await;
        serde_json::to_value(&response).expect("response serialises")
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn data(&self, query: &str) -> Value {
        let response = self.execute(query).await;
        assert!(response.get("errors").is_none(), "query failed: {query}\n{response:#}");
        response["data"].clone()
    }

    /// Runs a query that must fail and returns its first error's (`code`, `field`).
    pub async fn error(&self, query: &str) -> (String, Option<String>) {
        let response = self.execute(query).await;
        let error = &response["errors"][0];
        assert!(!error.is_null(), "expected an error from {query}, got {response:#}");
        let code = error["extensions"]["code"]
            .as_str()
            .expect("every error has extensions.code")
            .to_string();
        let field = error["extensions"]["field"].as_str().map(str::to_string);
        (code, field)
    }
}

impl TestDirectory {
    /// A principal with a token, as the viewer requests from it run as.
    pub async fn principal(&self, role: Role, name: &str, organization: Option<Uuid>) -> Viewer {
        let principal = self
            .directory
            .store()
            .create_principal(name, None, role, organization)
            .await
            .expect("create principal");
        Viewer::of(principal)
    }

    /// Runs a query as `viewer` and returns the whole response as JSON.
    pub async fn execute_as(&self, viewer: &Viewer, query: &str) -> Value {
        let request = async_graphql::Request::new(query).data(viewer.clone());
        serde_json::to_value(self.schema.execute(request).await).expect("response serialises")
    }

    /// Runs a query as `viewer` that must succeed and returns its `data`.
    pub async fn data_as(&self, viewer: &Viewer, query: &str) -> Value {
        let response = self.execute_as(viewer, query).await;
        assert!(response.get("errors").is_none(), "query failed: {query}\n{response:#}");
        response["data"].clone()
    }

    /// Runs a query as `viewer` that must fail; returns its first error's (`code`, `field`).
    pub async fn error_as(&self, viewer: &Viewer, query: &str) -> (String, Option<String>) {
        let response = self.execute_as(viewer, query).await;
        let error = &response["errors"][0];
        assert!(!error.is_null(), "expected an error from {query}, got {response:#}");
        (
            error["extensions"]["code"].as_str().expect("code").to_string(),
            error["extensions"]["field"].as_str().map(str::to_string),
        )
    }
}

/// The strings at `key` in each element of a JSON array.
pub fn strings(array: &Value, key: &str) -> Vec<String> {
    array
        .as_array()
        .expect("array")
        .iter()
        .map(|item| item[key].as_str().expect("string").to_string())
        .collect()
}

/// Serves a private copy of the seeded directory on an ephemeral loopback port; returns its
/// base URL and the data directory (kept as long as the caller holds it).
pub async fn spawn_app() -> (String, TempDir) {
    let test = seeded().await;
    let base = test.serve().await;
    (base, test.data_dir)
}

/// Serves `state` with the real router on an ephemeral loopback port, for as long as the test
/// runs; returns the base URL (`http://127.0.0.1:PORT`).
pub async fn serve_state(state: api::AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(api::serve(listener, state, std::future::pending()));
    base
}
