//! The `api` binary itself (its flags and exit codes); everything else is tested through the
//! library in the workspace's `tests/` crate. Lives here because only this package's tests can
//! name the built binary (`CARGO_BIN_EXE_api`).

use std::process::Command;

#[test]
fn exits_non_zero_with_a_clear_message_on_a_corrupt_data_dir_and_leaves_it_alone() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database = data_dir.path().join(indexer::directory::DATABASE_FILE);
    std::fs::write(&database, b"garbage").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir.path())
        .output()
        .expect("run api");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: data directory") && stderr.contains("not a usable directory database"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&database).expect("read"), b"garbage");
}

#[test]
fn print_schema_prints_the_committed_sdl() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .arg("--print-schema")
        .output()
        .expect("run api");
    assert!(output.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).expect("schema.graphql");
    assert!(
        String::from_utf8_lossy(&output.stdout) == committed,
        "--print-schema differs from schema.graphql"
    );
}

#[test]
fn bad_flags_are_refused_with_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .args(["--listen", "not-an-address"])
        .output()
        .expect("run api");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen"));
}
