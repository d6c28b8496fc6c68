//! Every request the SDK sends, pinned byte for byte, and the vendor's samples as decoded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qualys_auth::{ClientCredentials, GatewayUrl};
use qualys_caui::{ActivationKeys, KeyQuery};
use qualys_model::{
    CreateKeyRequest, LicenseCode, OrderBy, SearchPage, SortOrder, UpdateKeyRequest,
};
use qualys_transport::{Transport, TransportConfig};

fn keys() -> ActivationKeys {
    let transport = Transport::new(
        GatewayUrl::parse("https://gateway.qg2.apps.qualys.com").unwrap(),
        ClientCredentials::new("id", "secret"),
        TransportConfig::default(),
    )
    .unwrap();
    ActivationKeys::new(transport)
}

fn render(req: http::Request<bytes::Bytes>) -> String {
    let mut headers: Vec<String> = req
        .headers()
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
        .collect();
    headers.sort();
    format!(
        "{} {}\n{}\n\n{}",
        req.method(),
        req.uri(),
        headers.join("\n"),
        String::from_utf8_lossy(req.body())
    )
}

#[test]
fn search_bodies() {
    let k = keys();
    insta::assert_snapshot!(
        "search_default",
        serde_json::to_string(k.search().request()).unwrap()
    );
    let full = k
        .search()
        .limit(200)
        .sort_order("desc".parse::<SortOrder>().unwrap())
        .order_by(OrderBy::CreatedOn)
        .query(KeyQuery::new().is_disabled(false).count_purchased(0))
        .page_number(3);
    insta::assert_snapshot!(
        "search_full",
        serde_json::to_string(full.request()).unwrap()
    );
    let raw = k
        .search()
        .query("qualys.agent.activationKey.id: 42")
        .order_by(OrderBy::Other("NAME".into()));
    insta::assert_snapshot!(
        "search_raw_query",
        serde_json::to_string(raw.request()).unwrap()
    );
}

#[test]
fn mutation_requests() {
    let k = keys();
    let create = CreateKeyRequest::new("linux-golden-image")
        .network_id(7)
        .expire_date("2027-06-30".parse().unwrap())
        .max_agents_allowed(500)
        .license(LicenseCode::Vm)
        .license(LicenseCode::SwCa)
        .tag(11)
        .tag(12);
    insta::assert_snapshot!("create", render(k.create_request(&create).unwrap()));
    let update = UpdateKeyRequest::new()
        .title("renamed")
        .remove_expire_date()
        .max_agents_allowed(1_000_000)
        .apply_to_existing_agents(true)
        .add_license(LicenseCode::Edr)
        .remove_license(LicenseCode::Pm);
    insta::assert_snapshot!(
        "update",
        render(k.update_request(12345678, &update).unwrap())
    );
    insta::assert_snapshot!("get", render(k.get_request(12345678).unwrap()));
    insta::assert_snapshot!("toggle", render(k.toggle_request(12345678).unwrap()));
    insta::assert_snapshot!("delete", render(k.delete_request(12345678).unwrap()));
}

#[test]
fn vendor_search_sample_decoded() {
    let page: SearchPage = serde_json::from_str(qualys_sandbox::FIXTURE_SEARCH_RESPONSE).unwrap();
    insta::assert_debug_snapshot!("vendor_search_response_decoded", page);
}
