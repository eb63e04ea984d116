//! What a caller sees of requests: hidden listings never appear, pages number from one, bad
//! input names its parameter, and browsers may call from any origin.

use super::*;

#[tokio::test]
async fn pending_rejected_and_archived_listings_never_appear() {
    let api = spawn().await;
    let directory = &api.test.directory;
    let moderator = api.test.principal(Role::Moderator, "moderator", None).await;
    let anonymous = indexer::accounts::Viewer::anonymous();
    let listed: Vec<String> = api.service_ids("").await.into_iter().collect();
    let (archived, rejected) = (
        listed[0].parse::<Uuid>().expect("id"),
        listed[1].parse::<Uuid>().expect("id"),
    );
    let version = directory.service(&anonymous, archived).await.expect("public").version;
    directory.archive(&moderator, archived, version).await.expect("archive");
    directory
        .reject(&moderator, rejected, "not a real service")
        .await
        .expect("reject");
    let organization = an_organization(&api).await;
    let editor = api.test.principal(Role::Editor, "editor", Some(organization)).await;
    let pending = directory
        .create_service(
            &editor,
            organization,
            &ServiceInput {
                name: Some("Awaiting review (edge case)".into()),
                description: Some("Not yet approved.".into()),
                needs: Some(vec!["befriending".into()]),
                ..ServiceInput::default()
            },
        )
        .await
        .expect("an editor's new service waits for review")
        .id;
    api.catch_up().await;

    let hidden = [archived, rejected, pending].map(|id| id.to_string());
    let now_listed = api.service_ids("").await;
    let by_organization = api.service_ids(&format!("organization_id={organization}")).await;
    let links = api.all("/oruk/service_at_locations").await;
    let full_organization = api.ok(&format!("/oruk/organizations/{organization}")).await;
    for id in &hidden {
        let (status, body) = api.get(&format!("/oruk/services/{id}")).await;
        assert_eq!(status, 404, "{id}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
        assert!(!now_listed.contains(id) && !by_organization.contains(id));
        assert!(links.iter().all(|link| link["service_id"] != id.as_str()));
        assert!(full_organization["services"]
            .as_array()
            .expect("services")
            .iter()
            .all(|service| service["id"] != id.as_str()));
    }
    assert!(directory
        .oruk_services(&[archived, rejected, pending])
        .await
        .expect("batch")
        .is_empty());
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let batch = directory.store().public_service_ids_after(after, 7).await.expect("ids");
        let Some(last) = batch.last().copied() else { break };
        walked.extend(batch);
        after = Some(last);
    }
    assert!(walked.windows(2).all(|pair| pair[0] < pair[1]), "id order, no repeats");
    assert!(hidden.iter().all(|id| !walked.iter().any(|w| w.to_string() == *id)));
    assert!(walked.len() >= now_listed.len());
}

#[tokio::test]
async fn pages_are_numbered_from_one_and_the_envelope_adds_up() {
    let api = spawn().await;
    let total = api.ok("/oruk/services?per_page=1").await["total_items"]
        .as_u64()
        .expect("total") as usize;
    let per_page = 7;
    let pages = total.div_ceil(per_page);
    let mut seen = BTreeSet::new();
    for page in 1..=pages + 1 {
        let body = api.ok(&format!("/oruk/services?per_page={per_page}&page={page}")).await;
        assert_envelope(&body, page, per_page);
        for item in body["contents"].as_array().expect("contents") {
            assert!(seen.insert(id_of(item)), "a service on two pages");
        }
    }
    assert_eq!(seen.len(), total);
    let nothing = api.ok("/oruk/services?search=zzqxjv%20wkpqz").await;
    assert_envelope(&nothing, 1, 50);
    assert_eq!(nothing["empty"], true);
    let default = api.ok("/oruk/taxonomy_terms").await;
    assert_eq!(default["size"], 50);
    let deepest = MAX_RESULT_WINDOW / MAX_PER_PAGE;
    api.ok(&format!("/oruk/taxonomy_terms?per_page={MAX_PER_PAGE}&page={deepest}"))
        .await;
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_parameter_and_unknown_ids_a_404() {
    let api = spawn().await;
    let unknown = Uuid::new_v4();
    for (path, parameter) in [
        ("/oruk/services?page=0", "page"),
        ("/oruk/services?page=%FF", "page"),
        ("/oruk/services?minimum_age=NaN", "minimum_age"),
        ("/oruk/services?start_time=10:00&end_time=09:00&day=Caturday", "day"),
        ("/oruk/services?page=two", "page"),
        ("/oruk/services?per_page=0", "per_page"),
        ("/oruk/services?per_page=501", "per_page"),
        ("/oruk/services?per_page=500&page=21", "page"),
        ("/oruk/services?taxonomy_term_id=not-a-uuid", "taxonomy_term_id"),
        (
            &format!("/oruk/services?taxonomy_term_id={unknown}"),
            "taxonomy_term_id",
        ),
        (&format!("/oruk/services?taxonomy_id={unknown}"), "taxonomy_id"),
        ("/oruk/services?minimum_age=-3", "minimum_age"),
        ("/oruk/services?maximum_age=lots", "maximum_age"),
        ("/oruk/services?start_time=9am", "start_time"),
        ("/oruk/services?end_time=24:30", "end_time"),
        ("/oruk/services?day=funday", "day"),
        ("/oruk/services?modified_after=last%20week", "modified_after"),
        ("/oruk/services?organization_id=42", "organization_id"),
        ("/oruk/services?postcode=XX", "postcode"),
        ("/oruk/services?postcode=SW1A%201AA", "postcode"),
        ("/oruk/services?proximity=1000", "proximity"),
        ("/oruk/services?postcode=NR2%204AB&proximity=-5", "proximity"),
        ("/oruk/service_at_locations?day=someday", "day"),
        ("/oruk/organizations?per_page=1000", "per_page"),
        ("/oruk/taxonomies?page=-1", "page"),
        ("/oruk/taxonomy_terms?taxonomy_id=nope", "taxonomy_id"),
        ("/oruk/services/not-a-uuid", "id"),
        ("/oruk/service_at_locations/123", "id"),
        ("/oruk/organizations/x", "id"),
        ("/oruk/taxonomies/x", "id"),
        ("/oruk/taxonomy_terms/x", "id"),
    ] {
        let (status, body) = api.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{path}");
        assert_eq!(body["errors"][0]["extensions"]["field"], parameter, "{path}: {body}");
        assert!(body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with(parameter)));
    }
    for kind in [
        "services",
        "service_at_locations",
        "organizations",
        "taxonomies",
        "taxonomy_terms",
    ] {
        let (status, body) = api.get(&format!("/oruk/{kind}/{unknown}")).await;
        assert_eq!(status, 404, "{kind}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    }
    let (status, body) = api.get("/oruk/no_such_endpoint").await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["code"]),
        (404, &Value::from("NOT_FOUND"))
    );
}

#[tokio::test]
async fn browsers_may_call_the_oruk_api_from_any_origin() {
    let api = spawn().await;
    let preflight = api
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/oruk/services", api.base))
        .header("Origin", "https://partner.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("*")
    );
    let response = api
        .client
        .get(format!("{}/oruk/taxonomies", api.base))
        .header("Origin", "https://partner.example")
        .send()
        .await
        .expect("get");
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("*")
    );
}

/// The unfiltered list's total is counted once per change-log position (it takes seconds at
/// national scale): an archive must still show in the next answer.
#[tokio::test]
async fn the_unfiltered_link_total_follows_each_change() {
    let api = spawn().await;
    let before = api.ok("/oruk/service_at_locations?per_page=1").await;
    let total = before["total_items"].as_u64().expect("total");
    assert_eq!(
        api.ok("/oruk/service_at_locations?per_page=1").await["total_items"],
        total,
        "the same answer when nothing changed"
    );
    let links = api.all("/oruk/service_at_locations").await;
    assert_eq!(links.len() as u64, total);
    let service_id: Uuid = links[0]["service_id"].as_str().expect("id").parse().expect("uuid");
    let of_service = links
        .iter()
        .filter(|link| link["service_id"] == links[0]["service_id"])
        .count() as u64;
    let moderator = api.test.principal(Role::Moderator, "moderator", None).await;
    let version = api
        .test
        .directory
        .store()
        .service(service_id)
        .await
        .expect("read")
        .expect("service")
        .version;
    api.test
        .directory
        .archive(&moderator, service_id, version)
        .await
        .expect("archive");
    let after = api.ok("/oruk/service_at_locations?per_page=1").await;
    assert_eq!(after["total_items"], total - of_service);
}
