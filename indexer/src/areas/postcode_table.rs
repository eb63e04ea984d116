//! The postcodes in memory, compactly: all of England's 1.5 million in about 55 MB.
//!
//! Each postcode is packed into a `u64` (its normalised text, at most 8 bytes, big-endian so
//! numeric order is text order) in a sorted vector; positions and place codes sit in parallel
//! vectors, the codes as indexes into one list of distinct codes. A lookup is a binary search
//! (about 21 comparisons) and builds the [`PostcodeRecord`] it returns.

use std::collections::{BTreeSet, HashMap};

use crate::domain::{PlaceCode, Postcode, PostcodeRecord};

/// Every postcode the directory knows, with its point and places.
#[derive(Debug, Default)]
pub struct PostcodeTable {
    keys: Vec<u64>,
    points: Vec<(f64, f64)>,
    /// District, ward and LSOA, as indexes into `codes`.
    places: Vec<[u32; 3]>,
    codes: Vec<PlaceCode>,
}

/// A normalised postcode (`"NR19 1AA"`, at most 8 bytes) as a number that sorts as the text.
fn key(postcode: &str) -> u64 {
    let mut bytes = [0u8; 8];
    for (slot, byte) in bytes.iter_mut().zip(postcode.bytes()) {
        *slot = byte;
    }
    u64::from_be_bytes(bytes)
}

impl PostcodeTable {
    /// Builds the table; a postcode given twice keeps its last record.
    pub fn from_records(records: impl IntoIterator<Item = PostcodeRecord>) -> PostcodeTable {
        let mut interned: HashMap<PlaceCode, u32> = HashMap::new();
        let mut codes: Vec<PlaceCode> = Vec::new();
        let mut intern = |code: PlaceCode| -> u32 {
            *interned.entry(code).or_insert_with_key(|code| {
                codes.push(code.clone());
                u32::try_from(codes.len() - 1).unwrap_or(u32::MAX)
            })
        };
        let mut rows: Vec<(u64, (f64, f64), [u32; 3])> = records
            .into_iter()
            .map(|r| {
                let places = [intern(r.district_code), intern(r.ward_code), intern(r.lsoa_code)];
                (key(r.postcode.as_str()), (r.latitude, r.longitude), places)
            })
            .collect();
        // Stable, so of two records of one postcode the later stays last; keep that one.
        rows.sort_by_key(|row| row.0);
        let mut table = PostcodeTable {
            keys: Vec::with_capacity(rows.len()),
            points: Vec::with_capacity(rows.len()),
            places: Vec::with_capacity(rows.len()),
            codes,
        };
        for (position, (key, point, places)) in rows.iter().enumerate() {
            if rows.get(position + 1).is_some_and(|next| next.0 == *key) {
                continue;
            }
            table.keys.push(*key);
            table.points.push(*point);
            table.places.push(*places);
        }
        table
    }

    /// This table with the postcodes of `districts` replaced by `records` (what an area load
    /// wrote to the store, without reading a million rows back from it).
    pub fn replacing(&self, districts: &BTreeSet<PlaceCode>, records: Vec<PostcodeRecord>) -> PostcodeTable {
        let kept = (0..self.keys.len())
            .filter(|&i| !districts.contains(&self.codes[self.places[i][0] as usize]))
            .filter_map(|i| self.record_at(i));
        PostcodeTable::from_records(kept.collect::<Vec<_>>().into_iter().chain(records))
    }

    /// The record at a position of the table.
    fn record_at(&self, position: usize) -> Option<PostcodeRecord> {
        let bytes = self.keys[position].to_be_bytes();
        let text = std::str::from_utf8(&bytes).ok()?.trim_end_matches('\0');
        self.get(&Postcode::parse(text).ok()?)
    }

    /// The postcode's record, if known.
    pub fn get(&self, postcode: &Postcode) -> Option<PostcodeRecord> {
        let position = self.keys.binary_search(&key(postcode.as_str())).ok()?;
        let (latitude, longitude) = self.points[position];
        let [district, ward, lsoa] = self.places[position];
        Some(PostcodeRecord {
            postcode: postcode.clone(),
            latitude,
            longitude,
            district_code: self.codes[district as usize].clone(),
            ward_code: self.codes[ward as usize].clone(),
            lsoa_code: self.codes[lsoa as usize].clone(),
        })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Bytes held (for the benchmark's memory figures).
    pub fn heap_bytes(&self) -> usize {
        self.keys.capacity() * 8
            + self.points.capacity() * 16
            + self.places.capacity() * 12
            + self.codes.capacity() * std::mem::size_of::<PlaceCode>()
            + self.codes.iter().map(|c| c.as_str().len()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(postcode: &str, lsoa: &str) -> PostcodeRecord {
        let code = |raw: &str| PlaceCode::parse(raw).expect("code");
        PostcodeRecord {
            postcode: Postcode::parse(postcode).expect("postcode"),
            latitude: 52.5,
            longitude: 0.5,
            district_code: code("E07000143"),
            ward_code: code("E05010251"),
            lsoa_code: code(lsoa),
        }
    }

    #[test]
    fn finds_every_postcode_and_keeps_the_last_of_a_repeat() {
        let table = PostcodeTable::from_records(vec![
            record("NR19 1AA", "E01026485"),
            record("N1 1AA", "E01026486"),
            record("NR19 1AA", "E01026487"),
            record("EC1A 1BB", "E01026488"),
        ]);
        assert_eq!(table.len(), 3);
        let found = |raw: &str| table.get(&Postcode::parse(raw).expect("postcode"));
        assert_eq!(
            found("nr191aa").map(|r| r.lsoa_code.to_string()).as_deref(),
            Some("E01026487")
        );
        assert_eq!(
            found("N1 1AA").map(|r| r.lsoa_code.to_string()).as_deref(),
            Some("E01026486")
        );
        assert_eq!(
            found("EC1A 1BB").map(|r| r.lsoa_code.to_string()).as_deref(),
            Some("E01026488")
        );
        assert!(found("NR19 1AB").is_none());

        let districts: BTreeSet<PlaceCode> = [PlaceCode::parse("E07000143").expect("code")].into();
        let mut moved = record("PE30 1AA", "E01026489");
        moved.district_code = PlaceCode::parse("E07000146").expect("code");
        let replaced = table.replacing(&districts, vec![record("N1 1AA", "E01026490"), moved]);
        assert_eq!(replaced.len(), 2, "the district's other postcodes went");
        let found = |raw: &str| replaced.get(&Postcode::parse(raw).expect("postcode"));
        assert_eq!(
            found("N1 1AA").map(|r| r.lsoa_code.to_string()).as_deref(),
            Some("E01026490")
        );
        assert!(found("PE30 1AA").is_some());
        assert!(found("NR19 1AA").is_none());
    }
}
