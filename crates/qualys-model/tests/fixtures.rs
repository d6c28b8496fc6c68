//! The vendor's own samples decode, and re-encode byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qualys_model::{
    ActivationKey, AgentLimit, Expiry, KeyTypeKind, LicenseCode, OrderBy, SearchPage,
    SearchRequest, SortOrder,
};

const RESPONSE: &str = include_str!("../../qualys-sandbox/fixtures/seed-search-response.json");
const REQUEST: &str = include_str!("../../qualys-sandbox/fixtures/seed-search-request.json");

#[test]
fn vendor_search_response_decodes_with_exact_values() {
    let page: SearchPage = serde_json::from_str(RESPONSE).unwrap();
    assert_eq!(page.page_size, Some(5));
    assert_eq!(page.total_count, Some(745));
    assert_eq!(page.no_of_pages, Some(149));
    assert_eq!(page.content.len(), 5);
    let first = &page.content[0];
    assert_eq!(first.id, 12345678);
    assert_eq!(first.title.as_deref(), Some("activation_key_title_1"));
    assert_eq!(
        first.activation_key.as_deref(),
        Some("123456-1a2b-1a2b-1a2b-12ab12b2b123")
    );
    assert_eq!(first.date_purchased.as_deref(), Some("2025-01-09T18:01:02"));
    assert_eq!(
        first.key_type.as_ref().map(|k| k.code()),
        Some(&KeyTypeKind::Unlimited)
    );
    assert_eq!(first.agent_limit(), Some(AgentLimit::Unlimited));
    assert_eq!(first.expire_date, Some(Expiry::Never));
    assert_eq!(first.is_disabled, Some(false));
    let codes: Vec<_> = first
        .licenses
        .iter()
        .flatten()
        .map(|l| l.code().clone())
        .collect();
    assert_eq!(
        codes,
        [
            LicenseCode::Pm,
            LicenseCode::Vm,
            LicenseCode::Fim,
            LicenseCode::Pa,
            LicenseCode::Edr
        ]
    );
    assert_eq!(page.content[4].user_name.as_deref(), Some("username01"));
    assert_eq!(page.content[1].licenses.as_deref(), Some(&[][..]));
}

#[test]
fn vendor_search_response_round_trips_byte_for_byte() {
    let page: SearchPage = serde_json::from_str(RESPONSE).unwrap();
    let again = serde_json::to_string_pretty(&page).unwrap();
    assert_eq!(again.trim_end(), RESPONSE.trim_end());
}

#[test]
fn vendor_search_request_round_trips() {
    let req: SearchRequest = serde_json::from_str(REQUEST).unwrap();
    assert_eq!(req.limit, Some(200));
    assert_eq!(req.sort_order, Some(SortOrder::Asc));
    assert_eq!(req.order_by, Some(OrderBy::Title));
    assert_eq!(req.query.as_deref(), Some("activationKey.isDisabled:false"));
    assert_eq!(req.page_number, None);
    assert_eq!(
        serde_json::to_string_pretty(&req).unwrap().trim_end(),
        REQUEST.trim_end()
    );
}

#[test]
fn tolerant_of_unknown_fields_nulls_and_single_values() {
    let key: ActivationKey = serde_json::from_str(
        r#"{"id": 9, "title": null, "licenses": "VM_LICENSE", "tags": 12,
            "keyType": "COUNT_TIME_LIMITED", "countPurchased": 25, "expireDate": "2027-01-01",
            "brandNew": {"nested": [1, 2]}}"#,
    )
    .unwrap();
    assert_eq!(key.title, None);
    assert_eq!(key.licenses.as_ref().unwrap()[0].code(), &LicenseCode::Vm);
    assert_eq!(key.licenses.as_ref().unwrap()[0].as_str(), "VM_LICENSE");
    assert_eq!(key.tags, Some(vec![serde_json::json!(12)]));
    assert_eq!(
        key.key_type.as_ref().unwrap().code(),
        &KeyTypeKind::CountTimeLimited
    );
    assert_eq!(key.agent_limit(), Some(AgentLimit::Limited(25)));
    assert_eq!(key.expire_date, Some(Expiry::On("2027-01-01".into())));
    assert_eq!(
        key.expire_date
            .as_ref()
            .unwrap()
            .date()
            .unwrap()
            .to_string(),
        "2027-01-01"
    );
    assert_eq!(key.extra["brandNew"], serde_json::json!({"nested": [1, 2]}));
    // Absent fields stay absent on output; unknown fields come back.
    let out = serde_json::to_value(&key).unwrap();
    assert_eq!(
        out,
        serde_json::json!({"id": 9, "licenses": ["VM_LICENSE"], "tags": [12],
            "keyType": "COUNT_TIME_LIMITED", "countPurchased": 25, "expireDate": "2027-01-01",
            "brandNew": {"nested": [1, 2]}})
    );
}

#[test]
fn a_page_without_content_is_an_error_but_null_content_is_empty() {
    let err = serde_json::from_str::<SearchPage>(r#"{"pageSize":5,"totalCount":0}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing field `content` at line 1 column 29"
    );
    let page: SearchPage = serde_json::from_str(r#"{"content":null}"#).unwrap();
    assert!(page.content.is_empty());
}

#[test]
fn one_odd_value_never_fails_a_page() {
    let page: SearchPage = serde_json::from_str(
        r#"{"pageSize":"2","totalCount":"2","noOfPages":1,"content":[
            {"id":1,"countUsed":"7","countPurchased":"lots","title":42,"isDisabled":"TRUE",
             "networkId":-1,"datePurchased":1736445662,"expireDate":{"odd":true},"licenses":null,
             "firstName":["x"]},
            {"id":2}
        ]}"#,
    )
    .unwrap();
    assert_eq!((page.page_size, page.total_count), (Some(2), Some(2)));
    let k = &page.content[0];
    assert_eq!(k.count_used, Some(7));
    assert_eq!(k.count_purchased, None);
    assert_eq!(k.title.as_deref(), Some("42"));
    assert_eq!(k.is_disabled, Some(true));
    assert_eq!(k.network_id, None);
    assert_eq!(k.date_purchased.as_deref(), Some("1736445662"));
    assert_eq!(k.expire_date, Some(Expiry::On(r#"{"odd":true}"#.into())));
    assert_eq!(k.licenses, None);
    assert_eq!(k.first_name, None);
    assert_eq!(page.content[1], ActivationKey::new(2));
}

#[test]
fn updates_that_change_nothing_are_refused() {
    use qualys_model::UpdateKeyRequest;
    for req in [
        UpdateKeyRequest::new(),
        UpdateKeyRequest::new().apply_to_existing_agents(true),
        serde_json::from_str(r#"{"removeExpireDate":false,"removeMaxAgentsAllowed":false}"#)
            .unwrap(),
    ] {
        assert_eq!(
            req.validate().unwrap_err().to_string(),
            "invalid request: nothing to update"
        );
    }
    let both = UpdateKeyRequest::new()
        .add_license("Brand_New")
        .remove_license("brand_new");
    assert_eq!(
        both.validate().unwrap_err().to_string(),
        "invalid addLicenses: brand_new is both added and removed"
    );
}

#[test]
fn unknown_license_codes_compare_without_case() {
    use qualys_model::License;
    assert_eq!(License::from("Brand_New"), License::from("BRAND_NEW"));
    assert_ne!(License::from("Brand_New"), License::from("Brand_Old"));
}
