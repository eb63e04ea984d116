//! Duplicate organisations for a whole run, in memory: the same rules as the editing
//! duplicate check ([`crate::editing::review::likely_duplicates`]: the same register number,
//! or a very similar name at the same postcode, the organisation's own or one of its venues'),
//! read once per run instead of one scan of every organisation per new record.

use std::collections::HashMap;

use uuid::Uuid;

use crate::domain::text::{name_similarity, DUPLICATE_NAME_SIMILARITY};
use crate::domain::OrganizationIdentifier;
use crate::error::Result;
use crate::store::Store;

/// Organisations by register number and by postcode.
#[derive(Debug, Default)]
pub struct OrgMatcher {
    by_identifier: HashMap<(String, String), Uuid>,
    by_postcode: HashMap<String, Vec<(String, Uuid)>>,
}

impl OrgMatcher {
    /// Reads every organisation that is not archived (two set-wise queries).
    pub async fn load(store: &Store) -> Result<OrgMatcher> {
        let mut matcher = OrgMatcher::default();
        for (id, name, postcode, identifiers) in store.organizations_for_matching().await? {
            let identifiers: Vec<OrganizationIdentifier> = serde_json::from_str(&identifiers).unwrap_or_default();
            matcher.add(id, &name, postcode.as_deref(), &identifiers);
        }
        for (id, name, postcode) in store.organization_venue_postcodes().await? {
            matcher.add(id, &name, Some(&postcode), &[]);
        }
        Ok(matcher)
    }

    /// Remembers an organisation (one created during the run, or read at its start).
    pub fn add(&mut self, id: Uuid, name: &str, postcode: Option<&str>, identifiers: &[OrganizationIdentifier]) {
        for identifier in identifiers {
            self.by_identifier
                .entry((identifier.identifier_scheme.clone(), identifier.identifier.clone()))
                .or_insert(id);
        }
        if let Some(postcode) = postcode {
            let names = self.by_postcode.entry(postcode.to_string()).or_default();
            if !names.iter().any(|(known, known_id)| *known_id == id && known == name) {
                names.push((name.to_string(), id));
            }
        }
    }

    /// The organisation this one duplicates, if any: a register number first, then a name.
    pub fn find(&self, name: &str, postcode: Option<&str>, identifiers: &[OrganizationIdentifier]) -> Option<Uuid> {
        let by_number = identifiers.iter().find_map(|identifier| {
            self.by_identifier
                .get(&(identifier.identifier_scheme.clone(), identifier.identifier.clone()))
                .copied()
        });
        by_number.or_else(|| {
            self.by_postcode
                .get(postcode?)?
                .iter()
                .find(|(known, _)| name_similarity(name, known) >= DUPLICATE_NAME_SIMILARITY)
                .map(|(_, id)| *id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_by_number_then_by_similar_name_at_the_postcode() {
        let mut matcher = OrgMatcher::default();
        let (charity, club) = (Uuid::new_v4(), Uuid::new_v4());
        let number = OrganizationIdentifier {
            identifier_scheme: "GB-CHC".into(),
            identifier: "1234567".into(),
        };
        matcher.add(charity, "Age UK Norwich", None, std::slice::from_ref(&number));
        matcher.add(club, "Dereham Walking Club", Some("NR19 1AA"), &[]);
        assert_eq!(matcher.find("Another name", None, &[number]), Some(charity));
        assert_eq!(matcher.find("Dereham Walking Club.", Some("NR19 1AA"), &[]), Some(club));
        assert_eq!(matcher.find("Dereham Walking Club", Some("NR20 1AA"), &[]), None);
        assert_eq!(matcher.find("Swaffham Bowls", Some("NR19 1AA"), &[]), None);
    }
}
