//! House of Commons Library MSOA names (optional): friendly names for MSOAs ("Corby North"),
//! from the Library's CSV (`msoa21cd, msoa21hclnm, ...`) or a lookup carrying its columns
//! (`MSOACD`/`MSOA21CD`, `MSOAHCLNM`).

use std::collections::HashMap;
use std::path::Path;

use super::codepoint::file_name;
use super::problems::Problems;

/// Whether a CSV header carries HCL MSOA names.
pub fn looks_like_msoa_names(header: &str) -> bool {
    header.to_ascii_uppercase().split(',').any(|h| is_name_column(h.trim()))
}

fn is_name_column(upper: &str) -> bool {
    upper.trim_matches('"').starts_with("MSOA") && upper.trim_matches('"').ends_with("HCLNM")
}

/// MSOA code → HCL name.
pub fn read_file(path: &Path, problems: &mut Problems) -> HashMap<String, String> {
    let name = file_name(path);
    let mut names = HashMap::new();
    let mut reader = match csv::ReaderBuilder::new().flexible(true).from_path(path) {
        Ok(reader) => reader,
        Err(error) => {
            problems.push("unreadable", format!("{name}: cannot be read: {error}"));
            return names;
        }
    };
    let Ok(header) = reader.headers().cloned() else {
        problems.push("unreadable", format!("{name}: has no header"));
        return names;
    };
    let upper: Vec<String> = header.iter().map(|h| h.trim().to_ascii_uppercase()).collect();
    // The 2021 code first (a lookup may also carry the 2011 one), then the plain one.
    let code_at = ["MSOA21CD", "MSOACD"]
        .iter()
        .find_map(|wanted| upper.iter().position(|h| h == wanted));
    // The 2021 English name: not the Welsh (`...HCLNMW`) nor the 2011 one.
    let name_at = ["MSOA21HCLNM", "MSOAHCLNM"]
        .iter()
        .find_map(|wanted| upper.iter().position(|h| h == wanted));
    let (Some(code_at), Some(name_at)) = (code_at, name_at) else {
        problems.push(
            "msoa-names-columns",
            format!("{name}: expected the columns MSOA21CD (or MSOACD) and MSOA21HCLNM (or MSOAHCLNM)"),
        );
        return names;
    };
    for record in reader.records().flatten() {
        let (code, hcl_name) = (
            record.get(code_at).unwrap_or_default(),
            record.get(name_at).unwrap_or_default(),
        );
        if !code.trim().is_empty() && !hcl_name.trim().is_empty() {
            names.insert(code.trim().to_string(), hcl_name.trim().to_string());
        }
    }
    names
}
