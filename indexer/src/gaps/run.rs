//! `Directory::gaps` and `Directory::gap_matrix`: load the candidates once, select the eligible
//! assets once per need, then measure each Place.

use std::collections::HashMap;

use chrono::{Datelike, Duration, Utc};
use tracing::{info, warn};

use super::assets::{slot_of, PlacedAssets};
use super::report::{self, areas_of, ReportInput};
use super::{Demand, GapCriteria, GapMatrix, GapMatrixRow, GapReport};
use crate::directory::Geography;
use crate::domain::{NeedCode, Place, PlaceCode};
use crate::error::{Error, Result};
use crate::Directory;

impl Directory {
    /// Reads the candidate services gap reports are made from, ahead of the first report (the
    /// server calls it as it starts): at a million services that read takes seconds, and it
    /// should not be the first user's report that waits for it. A report asked for meanwhile
    /// waits for this read rather than starting its own.
    pub async fn warm_gap_reports(&self) {
        let started = std::time::Instant::now();
        let candidates = match self.gap_candidates().await {
            Ok(candidates) => candidates,
            Err(error) => {
                warn!(%error, "gap reports: reading the candidates ahead failed; the first report reads them");
                return;
            }
        };
        // Each need's venues under the default criteria (what most reports and the matrix ask
        // for; the reach does not change the selection), selected side by side.
        let Ok(any_reach) = super::MaxDistanceKm::parse(5.0) else {
            return;
        };
        let criteria = GapCriteria::new(any_reach);
        let needs: Vec<NeedCode> = crate::domain::need::TAXONOMY
            .iter()
            .filter_map(|need| NeedCode::parse(need.code).ok())
            .collect();
        let selected =
            futures_util::future::join_all(needs.iter().map(|&need| candidates.eligible(need, &criteria))).await;
        let failed = selected.iter().filter(|selection| selection.is_err()).count();
        info!(
            services = candidates.services.len(),
            needs = needs.len() - failed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "gap reports: candidate services and each need's venues read ahead"
        );
    }

    /// The gap report for one Place and need. `NOT_FOUND` (field `place`) for an unknown place;
    /// `InvalidInput` (field `place`) for a place without population data.
    pub async fn gaps(
        &self,
        place: &PlaceCode,
        need: NeedCode,
        criteria: &GapCriteria,
        demand: Demand,
    ) -> Result<GapReport> {
        let geography = self.geography();
        let place = lookup(&geography, place)?;
        let areas = areas_of(&geography, &place, "place")?;
        let placed = self.gap_candidates().await?.eligible(need, criteria).await?;
        let in_place = placed.inside(&geography, &place);
        let report = report::build_with(
            &ReportInput {
                geography: &geography,
                place: &place,
                need,
                criteria,
                demand,
                areas: &areas,
                assets: &placed.assets,
                location_places: None,
            },
            &in_place,
        );
        info!(
            place = %place.code,
            need = need.as_str(),
            areas = report.areas.len(),
            coverage_percent = report.summary.coverage_percent,
            "gap report built"
        );
        Ok(report)
    }

    /// Coverage of every child Place (with population) of `parent` for every need, with the
    /// unmet-need counts signposting recorded over the last 52 weeks.
    pub async fn gap_matrix(
        &self,
        parent: &PlaceCode,
        needs: &[NeedCode],
        criteria: &GapCriteria,
    ) -> Result<GapMatrix> {
        let geography = self.geography();
        let parent = lookup(&geography, parent)?;
        let children: Vec<Place> = geography
            .places
            .children(&parent.code)
            .into_iter()
            .filter(|child| child.population.is_some())
            .cloned()
            .collect();
        if children.is_empty() {
            return Err(Error::invalid(
                "parent",
                format!(
                    "place {} ({}) has no child places with population data",
                    parent.code, parent.name
                ),
            ));
        }
        let areas = children
            .iter()
            .map(|child| areas_of(&geography, child, "parent"))
            .collect::<Result<Vec<_>>>()?;
        let candidates = self.gap_candidates().await?;
        let unmet = self.unmet_by_child(&geography, &children).await?;
        let mut rows = Vec::with_capacity(children.len() * needs.len());
        let mut custom_children: Option<HashMap<uuid::Uuid, PlaceCode>> = None;
        // The needs' selections side by side (each on a blocking thread): after an edit, the
        // needs it touched are selected again, and one at a time they added up.
        let selections =
            futures_util::future::try_join_all(needs.iter().map(|&need| candidates.eligible(need, criteria))).await?;
        for (&need, placed) in needs.iter().zip(selections) {
            let inside = inside_children(&geography, &children, &placed, &mut custom_children);
            for (position, (child, child_areas)) in children.iter().zip(&areas).enumerate() {
                let summary = report::summary_only(
                    &ReportInput {
                        geography: &geography,
                        place: child,
                        need,
                        criteria,
                        demand: Demand::default(),
                        areas: child_areas,
                        assets: &placed.assets,
                        location_places: None,
                    },
                    inside[position],
                );
                rows.push(GapMatrixRow {
                    place: child.clone(),
                    need,
                    summary,
                    unmet_need_count: unmet.get(&(position, need.as_str())).copied().unwrap_or(0),
                });
            }
        }
        rows.sort_by(|a, b| (&a.place.name, &a.place.code).cmp(&(&b.place.name, &b.place.code)));
        Ok(GapMatrix {
            parent,
            criteria: *criteria,
            rows,
        })
    }
}

impl Directory {
    /// Unmet needs of the last 52 weeks per (child position, need code), counting rows recorded
    /// against a child or any place below it.
    async fn unmet_by_child(
        &self,
        geography: &Geography,
        children: &[Place],
    ) -> Result<HashMap<(usize, &'static str), i64>> {
        let mut child_of: HashMap<PlaceCode, usize> = HashMap::new();
        for (position, child) in children.iter().enumerate() {
            child_of.insert(child.code.clone(), position);
            for below in geography.places.descendants(&child.code) {
                child_of.insert(below.code.clone(), position);
            }
        }
        let mut totals = HashMap::new();
        for (code, need, count) in self.store().unmet_need_counts_since(&iso_week_52_weeks_ago()).await? {
            if let Some(&position) = child_of.get(&code) {
                *totals.entry((position, need.as_str())).or_insert(0) += count;
            }
        }
        Ok(totals)
    }
}

/// Per child, the count and weekly sessions of the eligible venues inside it, summed in venue
/// order (as a report sums them). A venue's child is read from its stored places; children of
/// a custom level are tested against their boundaries, once per location for all needs.
fn inside_children(
    geography: &Geography,
    children: &[Place],
    placed: &PlacedAssets,
    custom: &mut Option<HashMap<uuid::Uuid, PlaceCode>>,
) -> Vec<(usize, f64)> {
    let position_of: HashMap<&PlaceCode, usize> = children
        .iter()
        .enumerate()
        .map(|(position, child)| (&child.code, position))
        .collect();
    let mut inside = vec![(0usize, 0.0f64); children.len()];
    for (venue, slots) in placed.assets.venues.iter().zip(&placed.places) {
        let child = children
            .iter()
            .enumerate()
            .find_map(|(position, child)| match slot_of(child.level) {
                Some(slot) => (slots[slot].as_ref() == Some(&child.code)).then_some(position),
                None => {
                    let known =
                        custom.get_or_insert_with(|| report::locations_in(geography, children, &[&placed.assets]));
                    known
                        .get(&venue.location_id)
                        .and_then(|code| position_of.get(code).copied())
                }
            });
        if let Some(position) = child {
            inside[position].0 += 1;
            inside[position].1 += venue.weekly_sessions;
        }
    }
    inside
}

fn lookup(geography: &Geography, code: &PlaceCode) -> Result<Place> {
    geography
        .places
        .get(code)
        .cloned()
        .ok_or_else(|| Error::not_found("place", code.as_str()))
}

/// The ISO week 52 weeks before today, as `unmet_need_counts.week` spells it (`2025-W48`).
fn iso_week_52_weeks_ago() -> String {
    let week = (Utc::now().date_naive() - Duration::weeks(52)).iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}
