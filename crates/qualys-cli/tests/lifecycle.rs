//! The lifecycle through the `qualys` binary against one sandbox that outlives each command:
//! create → get → search finds it → update → disable → enable → delete → get is 404.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use qualys_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn qualys(s: &Sandbox, args: &[&str]) -> Run {
    let out = common::qualys()
        .env("QUALYS_GATEWAY_URL", s.base_url())
        .env("QUALYS_CLIENT_ID", s.client_id())
        .env("QUALYS_CLIENT_SECRET", s.client_secret())
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn json(run: &Run) -> Value {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_lifecycle_through_the_cli() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();

    // Dry run sends nothing.
    let dry = qualys(
        &s,
        &[
            "keys",
            "create",
            "--title",
            "cli-key",
            "--max-agents",
            "10",
            "--license",
            "vm",
            "--dry-run",
        ],
    );
    assert_eq!(dry.code, 0);
    assert_eq!(
        dry.stdout.replace(s.base_url(), "GATEWAY"),
        "POST GATEWAY/caui/v1/activation-keys/manage/activation-key\ncontent-type: application/json\n\
         {\"title\":\"cli-key\",\"maxAgentsAllowed\":10,\"licenses\":[\"VM\"]}\n"
    );
    assert_eq!(s.stats().tokens_issued, 0, "a dry run needs no token");

    let created = json(&qualys(
        &s,
        &[
            "keys",
            "create",
            "--title",
            "cli-key",
            "--max-agents",
            "10",
            "--license",
            "vm",
            "--license",
            "PA",
            "--tag",
            "5",
            "--expire-date",
            "2027-03-01",
            "-o",
            "json",
        ],
    ));
    let id = created["id"].as_u64().unwrap();
    assert_eq!(created["title"], "cli-key");
    assert_eq!(created["countPurchased"], 10);
    assert_eq!(created["licenses"], serde_json::json!(["VM", "PA"]));
    assert_eq!(created["expireDate"], "2027-03-01");
    let id_text = id.to_string();

    let got = json(&qualys(&s, &["keys", "get", &id_text, "-o", "json"]));
    assert_eq!(got, created);

    let found = qualys(
        &s,
        &[
            "keys",
            "list",
            "--query",
            &format!("activationKey.id:{id}"),
            "-o",
            "ndjson",
        ],
    );
    assert_eq!(found.code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(found.stdout.trim()).unwrap(),
        created
    );

    let updated = json(&qualys(
        &s,
        &[
            "keys",
            "update",
            &id_text,
            "--title",
            "cli-key-renamed",
            "--unlimited",
            "--no-expiry",
            "--add-license",
            "edr",
            "--remove-license",
            "PA",
            "-o",
            "json",
        ],
    ));
    assert_eq!(updated["title"], "cli-key-renamed");
    assert_eq!(updated["countPurchased"], 0);
    assert_eq!(updated["expireDate"], Value::Null);
    assert_eq!(updated["licenses"], serde_json::json!(["VM", "EDR"]));

    let disable = qualys(&s, &["keys", "disable", &id_text]);
    assert_eq!(
        (disable.code, disable.stdout.as_str()),
        (0, format!("activation key {id} is now disabled\n").as_str())
    );
    let again = qualys(&s, &["keys", "disable", &id_text]);
    assert_eq!(
        again.stdout,
        format!("activation key {id} was already disabled\n")
    );
    let enable = json(&qualys(&s, &["keys", "enable", &id_text, "-o", "json"]));
    assert_eq!(
        enable,
        serde_json::json!({"id": id, "state": "enabled", "changed": true})
    );
    let toggle = qualys(&s, &["keys", "toggle", &id_text]);
    assert_eq!(
        toggle.stdout,
        format!("activation key {id} is now disabled\n")
    );
    let toggle = qualys(&s, &["keys", "toggle", &id_text]);
    assert_eq!(
        toggle.stdout,
        format!("activation key {id} is now enabled\n")
    );

    // Not on a terminal and no --yes: refused, nothing deleted.
    let refused = qualys(&s, &["keys", "delete", &id_text]);
    assert_eq!(refused.code, 2);
    assert_eq!(
        refused.stderr,
        format!(
            "qualys: refusing to delete activation key {id} without confirmation: not on a terminal; pass --yes\n"
        )
    );
    assert_eq!(qualys(&s, &["keys", "get", &id_text]).code, 0);

    let deleted = qualys(&s, &["keys", "delete", &id_text, "--yes"]);
    assert_eq!(
        (deleted.code, deleted.stdout.as_str()),
        (0, format!("deleted activation key {id}\n").as_str())
    );

    let gone = qualys(&s, &["keys", "get", &id_text]);
    assert_eq!(gone.code, 4);
    assert_eq!(
        gone.stderr,
        format!(
            "qualys: get activation key {id} failed: HTTP 404: Activation key {id} not found\n"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutation_errors_have_clear_messages_and_exit_codes() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dup = qualys(&s, &["keys", "create", "--title", "activation_key_title3"]);
    assert_eq!(dup.code, 1);
    assert_eq!(
        dup.stderr,
        "qualys: create activation key failed: HTTP 400: An activation key titled 'activation_key_title3' already exists\n"
    );
    let range = qualys(
        &s,
        &["keys", "create", "--title", "x", "--max-agents", "2000000"],
    );
    assert_eq!(range.code, 2);
    assert_eq!(
        range.stderr,
        "qualys: create activation key: invalid maxAgentsAllowed: 2000000 is outside 1–1,000,000\n"
    );
    let bad_date = qualys(
        &s,
        &[
            "keys",
            "create",
            "--title",
            "x",
            "--expire-date",
            "2027-02-30",
        ],
    );
    assert_eq!(bad_date.code, 2);
    assert!(
        bad_date
            .stderr
            .contains("`2027-02-30` is not a valid date: day 30 is not 1-28 in 2027-02"),
        "{}",
        bad_date.stderr
    );
    let nothing = qualys(&s, &["keys", "update", "12345678"]);
    assert_eq!(nothing.code, 2);
    assert_eq!(
        nothing.stderr,
        "qualys: update activation key 12345678: invalid request: nothing to update\n"
    );
    assert!(s.set_count_used(23456789, 2));
    let in_use = qualys(&s, &["keys", "delete", "23456789", "--yes"]);
    assert_eq!(in_use.code, 1);
    assert_eq!(
        in_use.stderr,
        "qualys: delete activation key 23456789 failed: HTTP 400: Activation key 23456789 is used by 2 agent(s) and cannot be deleted\n"
    );
}
