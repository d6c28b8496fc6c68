//! Search and paging against the sandbox.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use qualys_auth::{ClientCredentials, GatewayUrl};
use qualys_caui::{ActivationKeys, Completeness, TruncationReason};
use qualys_model::{OrderBy, SortOrder};
use qualys_sandbox::{Sandbox, SandboxConfig};
use qualys_transport::{Error, Transport, TransportConfig};

fn keys(s: &Sandbox) -> ActivationKeys {
    let transport = Transport::new(
        GatewayUrl::parse(s.base_url()).unwrap(),
        ClientCredentials::new(s.client_id(), s.client_secret()),
        TransportConfig::default(),
    )
    .unwrap();
    ActivationKeys::new(transport)
}

#[tokio::test]
async fn the_pager_walks_every_page_exactly_once() {
    let s = Sandbox::start(SandboxConfig::default().generated_keys(1000))
        .await
        .unwrap();
    let mut pager = keys(&s).search().limit(100).pages();
    let mut seen = HashSet::new();
    let mut pages = 0;
    while let Some(page) = pager.next_page().await.unwrap() {
        pages += 1;
        for k in page.content {
            assert!(seen.insert(k.id), "key {} seen twice", k.id);
        }
    }
    assert_eq!(pages, 11);
    assert_eq!(seen.len(), 1005);
    assert_eq!(pager.received(), 1005);
    assert_eq!(pager.total_count(), Some(1005));
    assert_eq!(pager.completeness(), Some(&Completeness::Complete));
    assert_eq!(pager.next_page().await.unwrap(), None);
    assert_eq!(s.stats().tokens_issued, 1);
}

#[tokio::test]
async fn the_server_page_size_wins_over_the_limit() {
    let s = Sandbox::start(SandboxConfig::default().generated_keys(40).max_page_size(7))
        .await
        .unwrap();
    let (all, done) = keys(&s)
        .search()
        .limit(200)
        .pages()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(done, Completeness::Complete);
    assert_eq!(all.len(), 45);
    assert_eq!(all.iter().map(|k| k.id).collect::<HashSet<_>>().len(), 45);
    assert_eq!(s.stats().searches, 7);
}

#[tokio::test]
async fn a_cap_is_reported_as_truncation() {
    let s = Sandbox::start(SandboxConfig::default().generated_keys(40))
        .await
        .unwrap();
    let (all, done) = keys(&s)
        .search()
        .limit(5)
        .max_items(12)
        .pages()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 12);
    let Completeness::Truncated(t) = &done else {
        panic!("expected truncation, got {done:?}")
    };
    assert_eq!(t.reason, TruncationReason::ItemLimit(12));
    assert_eq!((t.received, t.expected), (12, Some(45)));
    let Completeness::Truncated(t) = done else {
        unreachable!()
    };
    assert_eq!(
        t.to_string(),
        "got 12 of 45 keys: stopped at the limit of 12 keys"
    );
}

#[tokio::test]
async fn all_four_inputs_reach_the_server() {
    let s = Sandbox::start(SandboxConfig::default().generated_keys(200))
        .await
        .unwrap();
    let page = keys(&s)
        .search()
        .limit(3)
        .order_by(OrderBy::Title)
        .sort_order(SortOrder::Dsc)
        .query("activationKey.countPurchased: 0")
        .send()
        .await
        .unwrap();
    assert_eq!(page.page_size, Some(3));
    assert_eq!(page.content.len(), 3);
    assert!(page.content.iter().all(|k| k.count_purchased == Some(0)));
    let titles: Vec<_> = page
        .content
        .iter()
        .map(|k| k.title.clone().unwrap())
        .collect();
    let mut sorted = titles.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(titles, sorted);
}

#[tokio::test]
async fn server_errors_carry_status_and_message() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let err = keys(&s)
        .search()
        .order_by(OrderBy::Other("NAME".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(
        err.to_string(),
        "search activation keys failed: HTTP 400: Invalid orderBy `NAME`"
    );
    assert!(matches!(err, Error::Api(_)));
}
