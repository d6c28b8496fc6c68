//! The pager against a scripted gateway that misbehaves in each way a pager must notice.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use qualys_auth::{ClientCredentials, GatewayUrl};
use qualys_caui::{ActivationKeys, Completeness, Truncation, TruncationReason};
use qualys_transport::{Transport, TransportConfig};
use serde_json::{Value, json};

type Script = Arc<dyn Fn(u64) -> Value + Send + Sync>;

/// A gateway that issues any token and answers page `n` of the search with `script(n)`.
async fn gateway(script: Script) -> (ActivationKeys, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let script = script.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let script = script.clone();
                        let counter = counter.clone();
                        async move {
                            let path = req.uri().path().to_owned();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let out = if path == "/auth/oidc" {
                                "token-123".to_owned()
                            } else {
                                counter.fetch_add(1, Ordering::SeqCst);
                                let v: Value = serde_json::from_slice(&body).unwrap();
                                script(v["pageNumber"].as_u64().unwrap()).to_string()
                            };
                            Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(
                                Bytes::from(out),
                            )))
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    let transport = Transport::new(
        GatewayUrl::parse(&format!("http://{addr}")).unwrap(),
        ClientCredentials::new("id", "secret"),
        TransportConfig::default(),
    )
    .unwrap();
    (ActivationKeys::new(transport), calls)
}

fn keys(ids: std::ops::Range<u64>) -> Value {
    Value::Array(
        ids.map(|id| json!({"id": id, "title": format!("k{id}")}))
            .collect(),
    )
}

fn page(size: u64, total: u64, pages: u64, ids: std::ops::Range<u64>) -> Value {
    json!({"pageSize": size, "totalCount": total, "noOfPages": pages, "content": keys(ids)})
}

async fn walk(script: Script, cap: Option<u64>) -> (Vec<u64>, Completeness, usize) {
    let (api, calls) = gateway(script).await;
    let mut search = api.search().limit(2);
    if let Some(c) = cap {
        search = search.max_items(c);
    }
    let (all, done) = search.pages().collect_all().await.unwrap();
    (
        all.iter().map(|k| k.id).collect(),
        done,
        calls.load(Ordering::SeqCst),
    )
}

fn truncated(reason: TruncationReason, received: u64, expected: Option<u64>) -> Completeness {
    Completeness::Truncated(Truncation::new(reason, received, expected))
}

#[tokio::test]
async fn a_complete_walk() {
    let script: Script = Arc::new(|n| match n {
        0 => page(2, 5, 3, 0..2),
        1 => page(2, 5, 3, 2..4),
        2 => page(2, 5, 3, 4..5),
        _ => panic!("page {n} should not be asked for"),
    });
    let (ids, done, calls) = walk(script, None).await;
    assert_eq!(ids, [0, 1, 2, 3, 4]);
    assert_eq!(done, Completeness::Complete);
    assert_eq!(calls, 3);
}

#[tokio::test]
async fn an_empty_first_page_with_a_positive_total_is_truncated() {
    let script: Script =
        Arc::new(|_| json!({"pageSize": 2, "totalCount": 5, "noOfPages": 3, "content": []}));
    let (ids, done, calls) = walk(script, None).await;
    assert!(ids.is_empty());
    assert_eq!(done, truncated(TruncationReason::EndedEarly, 0, Some(5)));
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn running_out_of_pages_before_the_total_is_truncated() {
    // noOfPages says 2 but totalCount says 7.
    let script: Script = Arc::new(|n| page(2, 7, 2, n * 2..n * 2 + 2));
    let (ids, done, _) = walk(script, None).await;
    assert_eq!(ids, [0, 1, 2, 3]);
    assert_eq!(done, truncated(TruncationReason::EndedEarly, 4, Some(7)));
    let Completeness::Truncated(t) = done else {
        unreachable!()
    };
    assert_eq!(
        t.to_string(),
        "got 4 of 7 keys: the server returned no more pages"
    );
}

#[tokio::test]
async fn a_server_that_ignores_page_number_is_noticed() {
    let script: Script = Arc::new(|_| page(2, 6, 3, 0..2));
    let (ids, done, calls) = walk(script, None).await;
    assert_eq!(ids, [0, 1]);
    assert_eq!(
        done,
        truncated(TruncationReason::PagingIgnored { page: 1 }, 2, Some(6))
    );
    assert_eq!(calls, 2);
    let Completeness::Truncated(t) = done else {
        unreachable!()
    };
    assert_eq!(
        t.to_string(),
        "got 2 of 6 keys: page 1 repeated keys of the previous page (the server ignores pageNumber)"
    );
}

#[tokio::test]
async fn a_total_that_changes_mid_walk_is_reported() {
    let script: Script = Arc::new(|n| match n {
        0 => page(2, 4, 2, 0..2),
        _ => page(2, 5, 3, 2..4),
    });
    let (ids, done, _) = walk(script, None).await;
    assert_eq!(ids, [0, 1, 2, 3]);
    assert_eq!(
        done,
        truncated(
            TruncationReason::TotalCountChanged { from: 4, to: 5 },
            4,
            Some(4)
        )
    );
}

#[tokio::test]
async fn a_cap_that_cuts_the_last_page_is_truncation_not_completion() {
    // No totalCount: only noOfPages. 2 pages of 2; a cap of 3.
    let script: Script =
        Arc::new(|n| json!({"pageSize": 2, "noOfPages": 2, "content": keys(n * 2..n * 2 + 2)}));
    let (ids, done, _) = walk(script, Some(3)).await;
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(done, truncated(TruncationReason::ItemLimit(3), 3, None));
}

#[tokio::test]
async fn a_cap_equal_to_the_total_is_complete() {
    let script: Script = Arc::new(|n| page(2, 4, 2, n * 2..n * 2 + 2));
    let (ids, done, _) = walk(script, Some(4)).await;
    assert_eq!(ids, [0, 1, 2, 3]);
    assert_eq!(done, Completeness::Complete);
}

#[tokio::test]
async fn more_keys_than_the_total_is_not_complete() {
    // totalCount 0 but content arrives: the counts cannot be trusted; the walk stops there.
    let script: Script = Arc::new(|n| match n {
        0 => page(2, 0, 2, 0..2),
        _ => panic!("page {n}"),
    });
    let (ids, done, _) = walk(script, None).await;
    assert_eq!(ids, [0, 1]);
    assert_eq!(done, truncated(TruncationReason::MoreThanTotal, 2, Some(0)));
    // A cap does not hide it.
    let script: Script = Arc::new(|_| page(3, 2, 1, 0..3));
    let (ids, done, _) = walk(script, Some(2)).await;
    assert_eq!(ids, [0, 1]);
    assert_eq!(done, truncated(TruncationReason::MoreThanTotal, 2, Some(2)));
}

#[tokio::test]
async fn repeats_after_the_total_changed_blame_the_change() {
    // A key inserted at the front after page 0: page 1 repeats the last key of page 0.
    let script: Script = Arc::new(|n| match n {
        0 => page(2, 4, 2, 0..2),
        _ => page(2, 5, 3, 1..3),
    });
    let (ids, done, _) = walk(script, None).await;
    assert_eq!(ids, [0, 1]);
    assert_eq!(
        done,
        truncated(
            TruncationReason::TotalCountChanged { from: 4, to: 5 },
            2,
            Some(4)
        )
    );
}

#[tokio::test]
async fn a_page_that_keeps_failing_ends_the_walk() {
    let script: Script = Arc::new(|n| match n {
        0 => page(2, 6, 3, 0..2),
        _ => json!({"pageSize": 2, "content": [{"id": "not-a-number"}]}),
    });
    let (api, calls) = gateway(script).await;
    let mut pager = api.search().pages();
    assert!(pager.next_page().await.unwrap().is_some());
    for _ in 0..3 {
        assert!(pager.next_page().await.is_err());
    }
    assert_eq!(pager.next_page().await.unwrap(), None);
    assert_eq!(
        pager.completeness(),
        Some(&truncated(
            TruncationReason::PageFailed { page: 1 },
            2,
            Some(6)
        ))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_list_without_end_stops_at_the_page_limit() {
    // No counts; alternating pages never repeat the previous page and never end.
    let script: Script = Arc::new(|n| json!({"content": keys((n % 2) * 10..(n % 2) * 10 + 2)}));
    let (api, calls) = gateway(script).await;
    let (all, done) = api
        .search()
        .pages()
        .max_pages(7)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 14);
    assert_eq!(done, truncated(TruncationReason::PageLimit(7), 14, None));
    assert_eq!(calls.load(Ordering::SeqCst), 7);
}

#[tokio::test]
async fn starting_at_a_later_page_expects_only_the_rest() {
    let script: Script = Arc::new(|n| page(2, 5, 3, n * 2..(n * 2 + 2).min(5)));
    let (api, _) = gateway(script).await;
    let (all, done) = api
        .search()
        .page_number(1)
        .pages()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.iter().map(|k| k.id).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(done, Completeness::Complete);
}
