//! The `qualys` binary, driven as a user would, against its embedded sandbox.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

mod common;

use common::{qualys, stable};
use serde_json::Value;

#[test]
fn sandbox_list_prints_the_five_fixture_keys_as_a_table() {
    let out = qualys()
        .args(["--sandbox", "keys", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("list_table_stdout", stable(&out.stdout));
    insta::assert_snapshot!("list_table_stderr", stable(&out.stderr));
}

#[test]
fn sandbox_list_json_is_the_vendors_objects_unchanged() {
    let out = qualys()
        .args(["--sandbox", "keys", "list", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fixture: Value = serde_json::from_str(qualys_sandbox_fixture()).unwrap();
    assert_eq!(got, fixture["content"]);
    insta::assert_snapshot!("list_json_stdout", stable(&out.stdout));
}

fn qualys_sandbox_fixture() -> &'static str {
    include_str!("../../qualys-sandbox/fixtures/seed-search-response.json")
}

#[test]
fn all_pages_as_json_hold_every_key_exactly_once() {
    let out = qualys()
        .args([
            "--sandbox",
            "--sandbox-keys",
            "95",
            "keys",
            "list",
            "--all",
            "--limit",
            "7",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stable(&out.stderr));
    let keys: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: HashSet<u64> = keys.iter().map(|k| k["id"].as_u64().unwrap()).collect();
    assert_eq!(keys.len(), 100);
    assert_eq!(ids.len(), 100);
}

#[test]
fn ndjson_streams_one_key_per_line() {
    let out = qualys()
        .args([
            "--sandbox",
            "--sandbox-keys",
            "20",
            "keys",
            "list",
            "--all",
            "-o",
            "ndjson",
            "--query",
            "activationKey.countPurchased: 0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 5);
    assert!(lines.iter().all(|k| k["countPurchased"] == 0));
}

#[test]
fn query_order_and_limit_reach_the_server() {
    let out = qualys()
        .args([
            "--sandbox",
            "keys",
            "list",
            "--order-by",
            "title",
            "--desc",
            "--limit",
            "2",
            "-o",
            "ndjson",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let titles: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["title"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // Byte order: `_` sorts after digits, so "title_2" > "title5".
    assert_eq!(titles, ["activation_key_title_2", "activation_key_title_1"]);
    assert_eq!(
        stable(&out.stderr),
        "qualys: using the embedded sandbox at http://127.0.0.1:PORT (5 demo keys, not your Qualys account)\n\
         qualys: showing 2 of 5 keys; use --all to fetch every page\n"
    );
    let out = qualys()
        .args([
            "--sandbox",
            "keys",
            "list",
            "--query",
            "activationKey.id:34567891",
            "-o",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
}

#[test]
fn missing_environment_names_the_variables_and_exits_2() {
    let out = qualys()
        .env("QUALYS_GATEWAY_URL", "https://gateway.qg2.apps.qualys.com")
        .args(["keys", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "qualys: configuration error: not set: QUALYS_CLIENT_ID and QUALYS_CLIENT_SECRET (or \
         QUALYS_USERNAME and QUALYS_PASSWORD, or QUALYS_TOKEN)\n  hint: set them (or run `qualys \
         configure` to write a profile in /nonexistent/qualys-cli-tests/qualys/config.toml), or try \
         `qualys --sandbox keys list` to run against the embedded sandbox\n"
    );
    let out = qualys()
        .env("QUALYS_PLATFORM", "US2")
        .env("QUALYS_CLIENT_ID", "abc")
        .args(["keys", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "qualys: configuration error: QUALYS_CLIENT_ID is set but QUALYS_CLIENT_SECRET is not\n"
    );
    let out = qualys()
        .args(["--platform", "mars", "keys", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn auth_status_shows_source_subject_and_expiry_but_no_secret() {
    let out = qualys()
        .args(["--sandbox", "auth", "status", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        status["source"],
        "client credentials for clientId \"sandbox-client\" (from explicit settings)"
    );
    assert_eq!(status["subject"], "sandbox-client");
    assert_eq!(status["issuer"], "qas");
    assert_eq!(status["expirySource"], "the token's exp claim");
    assert_eq!(status["refreshable"], true);
    let left = status["expiresInSeconds"].as_u64().unwrap();
    assert!((14_390..=14_400).contains(&left), "{left}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("sandbox-secret") && !text.contains("eyJ"),
        "{text}"
    );

    let out = qualys()
        .args(["--sandbox", "auth", "status"])
        .output()
        .unwrap();
    let text = stable(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "source:      client credentials for clientId \"sandbox-client\" (from explicit settings)"
    );
    assert_eq!(lines[1], "gateway:     http://127.0.0.1:PORT");
    assert_eq!(lines[2], "subject:     sandbox-client");
    assert!(
        lines[4].starts_with("expires:     20")
            && lines[4].ends_with("(in 3h59m; the token's exp claim)"),
        "{}",
        lines[4]
    );
    assert_eq!(lines[5], "refresh:     automatic, before expiry");
}

#[test]
fn auth_token_prints_a_jwt_and_nothing_else() {
    let out = qualys()
        .args(["--sandbox", "auth", "token"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let token = text.strip_suffix('\n').unwrap();
    assert_eq!(token.split('.').count(), 3);
    assert!(token.starts_with("eyJ"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains(token));
}

#[test]
fn sandbox_keys_needs_sandbox() {
    let out = qualys()
        .args(["keys", "list", "--sandbox-keys", "3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--sandbox"));
}

#[test]
fn a_server_error_is_one_line_with_exit_1() {
    let out = qualys()
        .args(["--sandbox", "keys", "list", "--query", "title:foo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        stable(&out.stderr).ends_with(
            "qualys: search activation keys failed: HTTP 400: unsupported query token `title`\n"
        ),
        "{}",
        stable(&out.stderr)
    );
}

#[test]
fn bad_usage_exits_2() {
    let out = qualys()
        .args(["keys", "list", "--limit", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
