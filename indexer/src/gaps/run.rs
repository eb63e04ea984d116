//! `Directory::gaps` and `Directory::gap_matrix`: load the candidates once, select the eligible
//! assets once per need, then measure each Place.

use chrono::{Datelike, Duration, Utc};
use tracing::info;

use super::assets::EligibleAssets;
use super::report::{self, areas_of, ReportInput};
use super::{Demand, GapCriteria, GapMatrix, GapMatrixRow, GapReport};
use crate::directory::Geography;
use crate::domain::{NeedCode, Place, PlaceCode};
use crate::error::{Error, Result};
use crate::Directory;

impl Directory {
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
        let candidates = self.store().gap_candidates().await?;
        let assets = EligibleAssets::select(&candidates, need, criteria, Utc::now());
        let report = report::build(&ReportInput {
            geography: &geography,
            place: &place,
            need,
            criteria,
            demand,
            areas: &areas,
            assets: &assets,
        });
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
        let candidates = self.store().gap_candidates().await?;
        let since_week = iso_week_52_weeks_ago();
        let mut rows = Vec::with_capacity(children.len() * needs.len());
        for &need in needs {
            let assets = EligibleAssets::select(&candidates, need, criteria, Utc::now());
            for (child, child_areas) in children.iter().zip(&areas) {
                let report = report::build(&ReportInput {
                    geography: &geography,
                    place: child,
                    need,
                    criteria,
                    demand: Demand::default(),
                    areas: child_areas,
                    assets: &assets,
                });
                let mut codes = vec![child.code.clone()];
                codes.extend(
                    geography
                        .places
                        .descendants(&child.code)
                        .into_iter()
                        .map(|p| p.code.clone()),
                );
                let unmet_need_count = self.store().unmet_need_count(&codes, need, &since_week).await?;
                rows.push(GapMatrixRow {
                    place: child.clone(),
                    need,
                    summary: report.summary,
                    unmet_need_count,
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
