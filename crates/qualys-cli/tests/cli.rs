//! The `qualys` binary, driven as a user would, against its embedded sandbox.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use assert_cmd::Command;
use serde_json::Value;

fn qualys() -> Command {
    let mut cmd = Command::cargo_bin("qualys").unwrap();
    for var in [
        "QUALYS_GATEWAY_URL",
        "QUALYS_CLIENT_ID",
        "QUALYS_CLIENT_SECRET",
        "QUALYS_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Replaces the sandbox's ephemeral port so snapshots are stable.
fn stable(text: &[u8]) -> String {
    let text = String::from_utf8(text.to_vec()).unwrap();
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..i + 10]);
        rest = rest[i + 10..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push_str("PORT");
    }
    out.push_str(rest);
    out
}

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
        "qualys: configuration error: QUALYS_CLIENT_ID and QUALYS_CLIENT_SECRET are not set\n  \
         hint: export them, or try `qualys --sandbox keys list` to run against the embedded sandbox\n"
    );
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
