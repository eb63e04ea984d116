//! ORUK files: NDJSON (one service a line, what `indexer export` writes), a saved `/services`
//! page (or a JSON array of services, or one service), and the tabular package (a folder with
//! one CSV per table: `services.csv`, `organizations.csv`, `locations.csv`...).
//!
//! Each is read into batches of [`ImportItem`]s on a blocking thread and sent down a bounded
//! channel, so parsing runs while the previous batch is written.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::mapping::{item_from_json, item_from_value};
use crate::error::{Error, Result};
use crate::imports::record::{ImportItem, SourceKind};

/// Batches in flight between the reading thread and the writer.
const BATCHES_IN_FLIGHT: usize = 2;

/// Which ORUK file format a path holds: a folder is a CSV package; `.ndjson`/`.jsonl` is
/// NDJSON; other files are NDJSON when their first line is a whole JSON object, else a page.
pub fn detect_format(path: &Path) -> Result<SourceKind> {
    if path.is_dir() {
        return Ok(SourceKind::OrukCsv);
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_lowercase();
    if extension == "ndjson" || extension == "jsonl" {
        return Ok(SourceKind::OrukNdjson);
    }
    let file = std::fs::File::open(path)?;
    let mut first = String::new();
    std::io::BufReader::new(file).read_line(&mut first)?;
    let first = first.trim();
    let whole_object = first.starts_with('{') && serde_json::from_str::<Value>(first).is_ok();
    let is_page = whole_object && first.contains("\"contents\"");
    Ok(if whole_object && !is_page {
        SourceKind::OrukNdjson
    } else {
        SourceKind::OrukJsonPage
    })
}

/// Starts reading `path` as `format` on a blocking thread; batches of `batch_size` items (with
/// the number of input bytes read so far) arrive on the receiver. A read error ends the
/// stream with that error.
pub fn read_batches(
    path: PathBuf,
    format: SourceKind,
    batch_size: usize,
) -> mpsc::Receiver<Result<(Vec<ImportItem>, u64)>> {
    let (sender, receiver) = mpsc::channel(BATCHES_IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let outcome = match format {
            SourceKind::OrukNdjson => read_ndjson(&path, batch_size, &sender),
            SourceKind::OrukJsonPage => read_page(&path, batch_size, &sender),
            SourceKind::OrukCsv => read_package(&path, batch_size, &sender),
            other => Err(Error::invalid(
                "format",
                format!("{} is not an ORUK file format", other.as_str()),
            )),
        };
        if let Err(e) = outcome {
            let _ = sender.blocking_send(Err(e));
        }
    });
    receiver
}

type Sender = mpsc::Sender<Result<(Vec<ImportItem>, u64)>>;

/// Sends a batch; `false` when the receiver is gone (the run stopped).
fn send(sender: &Sender, batch: Vec<ImportItem>, bytes: u64) -> bool {
    sender.blocking_send(Ok((batch, bytes))).is_ok()
}

fn read_ndjson(path: &Path, batch_size: usize, sender: &Sender) -> Result<()> {
    let file = std::fs::File::open(path)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut line = String::new();
    let mut batch = Vec::with_capacity(batch_size);
    let mut bytes = 0u64;
    let mut line_number = 0u64;
    loop {
        line.clear();
        let read = reader.read_line(&mut line)?;
        if read == 0 {
            break;
        }
        bytes += read as u64;
        line_number += 1;
        if line.trim().is_empty() {
            continue;
        }
        batch.push(item_from_json(&line, Some(line_number)));
        if batch.len() >= batch_size
            && !send(
                sender,
                std::mem::replace(&mut batch, Vec::with_capacity(batch_size)),
                bytes,
            )
        {
            return Ok(());
        }
    }
    if !batch.is_empty() {
        send(sender, batch, bytes);
    }
    Ok(())
}

/// The services of a saved page (`contents`), a JSON array, or a single service.
pub fn page_items(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Object(mut object) => match object.remove("contents") {
            Some(Value::Array(items)) => items,
            Some(_) => Vec::new(),
            None => vec![Value::Object(object)],
        },
        _ => Vec::new(),
    }
}

fn read_page(path: &Path, batch_size: usize, sender: &Sender) -> Result<()> {
    let raw = std::fs::read(path)?;
    let value: Value = serde_json::from_slice(&raw)
        .map_err(|e| Error::invalid("file", format!("{} is not JSON: {e}", path.display())))?;
    let items = page_items(value);
    let total = items.len().max(1) as u64;
    let mut batch = Vec::with_capacity(batch_size);
    for (at, item) in items.into_iter().enumerate() {
        batch.push(item_from_value(item, Some(at as u64 + 1)));
        if batch.len() >= batch_size {
            let read = raw.len() as u64 * (at as u64 + 1) / total;
            if !send(sender, std::mem::take(&mut batch), read) {
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        send(sender, batch, raw.len() as u64);
    }
    Ok(())
}

/// A CSV table as rows of column → text (`None` when the file is absent).
fn read_table(folder: &Path, file: &str) -> Result<Vec<Map<String, Value>>> {
    let path = folder.join(file);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .map_err(|e| Error::invalid("file", format!("{}: {e}", path.display())))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::invalid("file", format!("{}: {e}", path.display())))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::invalid("file", format!("{}: {e}", path.display())))?;
        let row: Map<String, Value> = headers
            .iter()
            .zip(record.iter())
            .filter(|(_, value)| !value.trim().is_empty())
            .map(|(header, value)| (header.clone(), Value::String(value.to_string())))
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

/// Rows grouped by the value of `key`.
fn group_by(rows: Vec<Map<String, Value>>, key: &str) -> HashMap<String, Vec<Map<String, Value>>> {
    let mut grouped: HashMap<String, Vec<Map<String, Value>>> = HashMap::new();
    for row in rows {
        if let Some(Value::String(value)) = row.get(key) {
            grouped.entry(value.clone()).or_default().push(row);
        }
    }
    grouped
}

fn id_of(row: &Map<String, Value>, key: &str) -> String {
    row.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn take(grouped: &HashMap<String, Vec<Map<String, Value>>>, key: &str) -> Value {
    Value::Array(
        grouped
            .get(key)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(Value::Object)
            .collect(),
    )
}

/// Reads the tabular package and assembles each service as the nested document the API gives.
fn read_package(folder: &Path, batch_size: usize, sender: &Sender) -> Result<()> {
    let services = read_table(folder, "services.csv")?;
    if services.is_empty() && !folder.join("services.csv").exists() {
        return Err(Error::invalid(
            "file",
            format!(
                "{} has no services.csv (an ORUK tabular package has one CSV per table)",
                folder.display()
            ),
        ));
    }
    let organizations: HashMap<String, Map<String, Value>> = read_table(folder, "organizations.csv")?
        .into_iter()
        .map(|row| (id_of(&row, "id"), row))
        .collect();
    let identifiers = group_by(read_table(folder, "organization_identifiers.csv")?, "organization_id");
    let locations: HashMap<String, Map<String, Value>> = read_table(folder, "locations.csv")?
        .into_iter()
        .map(|row| (id_of(&row, "id"), row))
        .collect();
    let addresses = group_by(read_table(folder, "addresses.csv")?, "location_id");
    let accessibility = group_by(read_table(folder, "accessibility.csv")?, "location_id");
    let links = group_by(read_table(folder, "service_at_locations.csv")?, "service_id");
    let schedules = group_by(read_table(folder, "schedules.csv")?, "service_id");
    let areas = group_by(read_table(folder, "service_areas.csv")?, "service_id");
    let languages = group_by(read_table(folder, "languages.csv")?, "service_id");
    let costs = group_by(read_table(folder, "cost_options.csv")?, "service_id");
    let contacts = group_by(read_table(folder, "contacts.csv")?, "service_id");
    let phone_rows = read_table(folder, "phones.csv")?;
    let contact_phones = group_by(phone_rows.clone(), "contact_id");
    let service_phones = group_by(phone_rows, "service_id");
    let attributes = group_by(read_table(folder, "attributes.csv")?, "link_id");
    let terms: HashMap<String, Map<String, Value>> = read_table(folder, "taxonomy_terms.csv")?
        .into_iter()
        .map(|row| (id_of(&row, "id"), row))
        .collect();
    let mut batch = Vec::with_capacity(batch_size);
    for (at, mut service) in services.into_iter().enumerate() {
        let id = id_of(&service, "id");
        if let Some(organization) = organizations.get(&id_of(&service, "organization_id")) {
            let mut organization = organization.clone();
            let identifiers = take(&identifiers, &id_of(&organization, "id"));
            organization.insert("organization_identifiers".into(), identifiers);
            service.insert("organization".into(), Value::Object(organization));
        }
        let nested_links: Vec<Value> = links
            .get(&id)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut link| {
                let location_id = id_of(&link, "location_id");
                if let Some(location) = locations.get(&location_id) {
                    let mut location = location.clone();
                    location.insert("addresses".into(), take(&addresses, &location_id));
                    location.insert("accessibility".into(), take(&accessibility, &location_id));
                    link.insert("location".into(), Value::Object(location));
                }
                Value::Object(link)
            })
            .collect();
        service.insert("service_at_locations".into(), Value::Array(nested_links));
        service.insert("schedules".into(), take(&schedules, &id));
        service.insert("service_areas".into(), take(&areas, &id));
        service.insert("languages".into(), take(&languages, &id));
        service.insert("cost_options".into(), take(&costs, &id));
        service.insert("phones".into(), take(&service_phones, &id));
        let nested_contacts: Vec<Value> = contacts
            .get(&id)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut contact| {
                contact.insert("phones".into(), take(&contact_phones, &id_of(&contact, "id")));
                Value::Object(contact)
            })
            .collect();
        service.insert("contacts".into(), Value::Array(nested_contacts));
        let nested_attributes: Vec<Value> = attributes
            .get(&id)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut attribute| {
                if let Some(term) = terms.get(&id_of(&attribute, "taxonomy_term_id")) {
                    attribute.insert("taxonomy_term".into(), Value::Object(term.clone()));
                }
                Value::Object(attribute)
            })
            .collect();
        service.insert("attributes".into(), Value::Array(nested_attributes));
        batch.push(item_from_value(Value::Object(service), Some(at as u64 + 2)));
        if batch.len() >= batch_size && !send(sender, std::mem::take(&mut batch), 0) {
            return Ok(());
        }
    }
    if !batch.is_empty() {
        send(sender, batch, 0);
    }
    Ok(())
}
