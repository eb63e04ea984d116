//! Bad packs: each is refused with every reason found, through the engine and the admin
//! mutation, and the loaded areas stay exactly as they were.

use std::path::Path;

use indexer::accounts::Role;
use serde_json::Value;
use tempfile::TempDir;

use super::*;

/// A writable copy of a fixture pack.
fn copy_of(code: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(pack(code)).expect("pack") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    dir
}

fn edit_text(dir: &Path, file: &str, change: impl FnOnce(String) -> String) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, change(text)).expect("write");
}

fn edit_json(dir: &Path, file: &str, change: impl FnOnce(&mut Value)) {
    edit_text(dir, file, |text| {
        let mut json: Value = serde_json::from_str(&text).expect("json");
        change(&mut json);
        json.to_string()
    });
}

/// Code-Point: the first line's easting far outside the National Grid.
fn easting_outside_gb(dir: &Path) {
    edit_text(dir, "codepo_e06000022.csv", |text| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut fields: Vec<&str> = lines[0].split(',').collect();
        fields[2] = "9375350";
        lines[0] = fields.join(",");
        lines.join("\n") + "\n"
    });
}

/// An LSOA polygon that crosses itself (a bow tie).
fn self_intersecting_lsoa(dir: &Path) {
    edit_json(dir, "lsoa21.geojson", |json| {
        json["features"][3]["geometry"] = serde_json::json!({"type": "Polygon", "coordinates": [[
            [-2.40, 51.35], [-2.38, 51.37], [-2.38, 51.35], [-2.40, 51.37], [-2.40, 51.35]]]});
    });
}

/// The MSOA file in British National Grid, said by an old-style `crs`.
fn msoas_not_in_wgs84(dir: &Path) {
    edit_json(dir, "msoa21.geojson", |json| {
        json["crs"] = serde_json::json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}});
    });
}

/// A postcode's ward and a Census row's LSOA that no boundary file has.
fn codes_that_disagree(dir: &Path) {
    edit_text(dir, "codepo_e06000022.csv", |text| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let last_comma = lines[5].rfind(',').expect("comma");
        lines[5] = format!("{},\"E05099999\"", &lines[5][..last_comma]);
        lines.join("\n") + "\n"
    });
    edit_text(dir, "census2021_lsoa_age6.csv", |text| {
        text + "E01099999,Nowhere 001A,1,Aged 15 years and under,10\n"
    });
}

/// All six Census rows of the first LSOA removed.
fn population_missing(dir: &Path) -> String {
    let mut removed = String::new();
    edit_text(dir, "census2021_lsoa_age6.csv", |text| {
        let mut lines = text.lines();
        let header = lines.next().expect("header").to_string();
        let rows: Vec<&str> = lines.collect();
        removed = rows[0].split(',').next().expect("code").to_string();
        let kept: Vec<&str> = rows.into_iter().filter(|row| !row.starts_with(&removed)).collect();
        format!("{header}\n{}\n", kept.join("\n"))
    });
    removed
}

/// Loads the pack and expects a refusal naming every one of `reasons`; returns the message.
async fn refused(test: &TestDirectory, dir: &Path, reasons: &[&str]) -> String {
    match test.directory.load_area(dir).await {
        Err(indexer::Error::InvalidInput { field, message }) => {
            assert_eq!(field, "directory");
            for reason in reasons {
                assert!(message.contains(reason), "no {reason:?} in:\n{message}");
            }
            message
        }
        other => panic!("expected a refusal naming {reasons:?}, got {other:?}"),
    }
}

/// What the loaded areas hold, to compare before and after a refused load.
async fn state(test: &TestDirectory) -> (usize, usize, i64, Option<i64>, usize) {
    let places = test.directory.places();
    (
        test.directory.postcode_count(),
        places.len(),
        test.directory.store().place_history_count().await.expect("history"),
        places
            .get(&code(NORTH_NORTHAMPTONSHIRE))
            .and_then(|p| p.population.map(|p| p.total())),
        test.directory
            .store()
            .area_loads(&code(NORTH_NORTHAMPTONSHIRE))
            .await
            .expect("log")
            .len(),
    )
}

#[tokio::test]
async fn a_pack_with_many_faults_is_refused_with_every_reason_and_changes_nothing() {
    let test = with_areas(&[NORTH_NORTHAMPTONSHIRE]).await;
    let before = state(&test).await;
    let dir = copy_of(BATH);
    easting_outside_gb(dir.path());
    self_intersecting_lsoa(dir.path());
    msoas_not_in_wgs84(dir.path());
    codes_that_disagree(dir.path());
    let missing = population_missing(dir.path());
    let message = refused(
        &test,
        dir.path(),
        &[
            "easting 9375350 northing",
            "outside Great Britain",
            "invalid polygon",
            "msoa21.geojson: coordinates are in \"urn:ogc:def:crs:EPSG::27700\", not WGS84",
            "ward \"E05099999\" is not in the ward boundaries",
            "population for LSOA E01099999, which no LSOA boundary file has",
            &format!("population missing for LSOA {missing}"),
            "no MSOA boundaries",
        ],
    )
    .await;
    assert!(message.starts_with("area pack refused ("), "{message}");
    assert_eq!(state(&test).await, before, "the loaded areas are untouched");
    let (code_, field) = test.error(r#"{ postcode(postcode: "BA1 0AA") { lat } }"#).await;
    assert_eq!((code_.as_str(), field.as_deref()), ("NOT_FOUND", Some("postcode")));
}

#[tokio::test]
async fn each_kind_of_bad_input_is_refused_on_its_own() {
    let test = with_areas(&[NORTH_NORTHAMPTONSHIRE]).await;
    let before = state(&test).await;
    type Breaker = fn(&Path);
    let cases: Vec<(&str, Breaker, Vec<&str>)> = vec![
        (
            "missing file",
            |dir| std::fs::remove_file(dir.join("wards.geojson")).expect("remove"),
            vec!["no ward boundaries"],
        ),
        (
            "unreadable file",
            |dir| edit_text(dir, "lsoa21.geojson", |text| text[..text.len() / 2].to_string()),
            vec!["lsoa21.geojson: not valid GeoJSON", "no LSOA boundaries"],
        ),
        (
            "census with the wrong columns",
            |dir| {
                edit_text(dir, "census2021_lsoa_age6.csv", |text| {
                    text.replacen(",Observation", ",Count", 1)
                })
            },
            vec![
                "census2021_lsoa_age6.csv: the columns are",
                "population missing for LSOA",
            ],
        ),
        (
            "code-point with the wrong columns",
            |dir| {
                edit_text(dir, "codepo_e06000022.csv", |text| {
                    text.lines()
                        .map(|l| l[..l.rfind(',').expect("comma")].to_string() + "\n")
                        .collect()
                })
            },
            vec![
                "codepo_e06000022.csv: a CSV with columns the loader does not know",
                "no Code-Point Open postcode CSV",
            ],
        ),
        (
            "easting outside Great Britain",
            easting_outside_gb,
            vec!["outside Great Britain's National Grid"],
        ),
        ("invalid geometry", self_intersecting_lsoa, vec!["invalid polygon"]),
        ("crs not WGS84", msoas_not_in_wgs84, vec!["not WGS84"]),
        (
            "coordinates not WGS84",
            |dir| {
                edit_json(dir, "lad.geojson", |json| {
                    json["features"][0]["geometry"] = serde_json::json!({"type": "Polygon", "coordinates": [[
                        [360000.0, 150000.0], [380000.0, 150000.0], [380000.0, 170000.0], [360000.0, 150000.0]]]});
                })
            },
            vec!["is the file in British National Grid?"],
        ),
        (
            "codes that disagree",
            codes_that_disagree,
            vec!["is not in the ward boundaries", "which no LSOA boundary file has"],
        ),
        (
            "population missing",
            |dir| {
                population_missing(dir);
            },
            vec!["population missing for LSOA"],
        ),
    ];
    for (case, breaker, reasons) in cases {
        let dir = copy_of(BATH);
        breaker(dir.path());
        let message = refused(&test, dir.path(), &reasons).await;
        assert!(!message.is_empty(), "{case}");
        assert_eq!(state(&test).await, before, "{case}: the loaded areas are untouched");
    }
    let message = refused(
        &test,
        Path::new("/nonexistent/area-pack"),
        &["cannot be read as a directory"],
    )
    .await;
    assert!(message.starts_with("area pack refused (1 problem;"), "{message}");
}

#[tokio::test]
async fn the_admin_mutation_loads_a_pack_and_reports_refusals_with_their_problems() {
    let test = seeded().await;
    let admin = test.principal(Role::Admin, "Ada Admin", None).await;
    let load = |dir: &str| {
        format!(
            r#"mutation {{ loadArea(directory: {dir:?}) {{ districts {{ code name lsoas msoas wards postcodes population age65Plus }}
                files {{ name kind }} replacedPostcodes postcodesKnown }} }}"#
        )
    };
    let good = pack(NORTH_NORTHAMPTONSHIRE).display().to_string();
    let (code_, _) = test.error(&load(&good)).await;
    assert_eq!(code_, "FORBIDDEN");
    let data = test.data_as(&admin, &load(&good)).await;
    let district = &data["loadArea"]["districts"][0];
    assert_eq!(district["code"], NORTH_NORTHAMPTONSHIRE);
    assert_eq!(
        (
            district["lsoas"].as_i64(),
            district["msoas"].as_i64(),
            district["wards"].as_i64()
        ),
        (Some(205), Some(40), Some(31))
    );
    assert_eq!(district["population"], 359_510);
    assert_eq!(district["age65Plus"], 65_350);
    assert_eq!(data["loadArea"]["files"].as_array().map(Vec::len), Some(7));

    let dir = copy_of(BATH);
    easting_outside_gb(dir.path());
    population_missing(dir.path());
    let response = test.execute_as(&admin, &load(&dir.path().display().to_string())).await;
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "directory");
    let problems = error["extensions"]["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 2, "{problems:?}");
    let (code_, field) = test
        .error_as(&admin, r#"mutation { loadArea(directory: " ") { postcodesKnown } }"#)
        .await;
    assert_eq!(
        (code_.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("directory"))
    );
}
