//! Every command and output format of the binary, pinned with insta; and the exit code of every
//! error kind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

mod common;

use assert_cmd::Command;
use common::{qualys, stable};
use qualys_sandbox::{Calls, Fault, FaultPlan, Route, Sandbox, SandboxConfig};

/// Runs and returns (exit code, stdout, stderr) with the sandbox port replaced.
fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        stable(&out.stdout),
        stable(&out.stderr),
    )
}

fn sandboxed(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--sandbox"];
    all.extend_from_slice(args);
    run(qualys().args(all))
}

#[test]
fn every_format_of_list_and_get() {
    for format in ["table", "json", "ndjson", "csv"] {
        let (code, out, _) = sandboxed(&["keys", "list", "-o", format]);
        assert_eq!(code, 0);
        insta::assert_snapshot!(format!("list_{format}"), out);
        let (code, out, _) = sandboxed(&["keys", "get", "34567891", "-o", format]);
        assert_eq!(code, 0);
        insta::assert_snapshot!(format!("get_{format}"), out);
    }
}

#[test]
fn wide_characters_and_unlimited_in_tables() {
    // Generated keys hold accents, CJK and emoji; the table measures their width.
    let (code, out, _) = sandboxed(&[
        "--sandbox-keys",
        "12",
        "keys",
        "list",
        "--limit",
        "17",
        "--order-by",
        "title",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("list_wide_characters", out);
}

#[test]
fn csv_quotes_what_needs_quoting() {
    let s = tokio::runtime::Runtime::new().unwrap();
    let _guard = s.enter();
    let sandbox = s
        .block_on(Sandbox::start(SandboxConfig::default().fixture_keys(false)))
        .unwrap();
    let create = |title: &str| {
        run(qualys()
            .env("QUALYS_GATEWAY_URL", sandbox.base_url())
            .env("QUALYS_CLIENT_ID", sandbox.client_id())
            .env("QUALYS_CLIENT_SECRET", sandbox.client_secret())
            .args([
                "keys",
                "create",
                "--title",
                title,
                "--license",
                "VM",
                "--license",
                "PA",
                "-o",
                "json",
            ]))
    };
    assert_eq!(create("comma, \"quoted\" title").0, 0);
    let (code, out, _) = run(qualys()
        .env("QUALYS_GATEWAY_URL", sandbox.base_url())
        .env("QUALYS_CLIENT_ID", sandbox.client_id())
        .env("QUALYS_CLIENT_SECRET", sandbox.client_secret())
        .args(["keys", "list", "-o", "csv"]));
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[1], "comma, \"quoted\" title");
    assert_eq!(&row[13], "VM;PA");
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .contains("\"comma, \"\"quoted\"\" title\"")
    );
}

#[test]
fn dry_runs_print_the_request() {
    for (name, args) in [
        (
            "dry_run_create",
            vec![
                "keys",
                "create",
                "--title",
                "t",
                "--max-agents",
                "9",
                "--license",
                "swca",
                "--tag",
                "3",
                "--expire-date",
                "2027-12-31",
                "--dry-run",
            ],
        ),
        (
            "dry_run_update",
            vec![
                "keys",
                "update",
                "12345678",
                "--no-expiry",
                "--unlimited",
                "--add-license",
                "EDR",
                "--remove-license",
                "pm",
                "--apply-to-existing-agents",
                "--dry-run",
            ],
        ),
        (
            "dry_run_disable",
            vec!["keys", "disable", "12345678", "--dry-run"],
        ),
        (
            "dry_run_enable",
            vec!["keys", "enable", "12345678", "--dry-run"],
        ),
        (
            "dry_run_toggle",
            vec!["keys", "toggle", "12345678", "--dry-run"],
        ),
        (
            "dry_run_delete",
            vec!["keys", "delete", "12345678", "--dry-run"],
        ),
    ] {
        let (code, out, _) = sandboxed(&args);
        assert_eq!(code, 0, "{name}");
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn auth_status_in_json_is_stable_but_for_times() {
    let (code, out, _) = sandboxed(&["auth", "status", "-o", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!("auth_status_json", v, {
        ".expiresAt" => "[time]",
        ".expiresInSeconds" => "[seconds]",
        ".tokenId" => "[jti]",
    });
}

#[test]
fn completions_and_help() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, out, _) = run(qualys().args(["completions", shell]));
        assert_eq!(code, 0);
        assert!(out.contains("qualys"), "{shell}");
    }
    // Every command's help has an example.
    for cmd in [
        vec!["keys", "list"],
        vec!["keys", "get"],
        vec!["keys", "create"],
        vec!["keys", "update"],
        vec!["keys", "enable"],
        vec!["keys", "disable"],
        vec!["keys", "toggle"],
        vec!["keys", "delete"],
        vec!["auth", "token"],
        vec!["auth", "status"],
        vec!["sandbox", "serve"],
        vec!["configure"],
        vec!["completions"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let (code, out, _) = run(qualys().args(&args));
        assert_eq!(code, 0, "{cmd:?}");
        assert!(out.contains("Example"), "{cmd:?} --help has no example");
    }
    let (_, top, _) = run(qualys().arg("--help"));
    insta::assert_snapshot!("help", top);
}

#[test]
fn configure_writes_a_private_profile_that_is_then_used() {
    let home = std::env::temp_dir().join(format!("qualys-cli-configure-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    let (code, _, err) = run(qualys()
        .env("XDG_CONFIG_HOME", &home)
        .args(["configure", "--profile", "prod"])
        .write_stdin("US2\nmy-client\nmy-s3cret\n"));
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("my-s3cret"));
    let path = home.join("qualys/config.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "[prod]\nclient_id = \"my-client\"\nclient_secret = \"my-s3cret\"\nplatform = \"US2\"\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The profile is picked up (the dry run needs no network).
    let (code, out, _) = run(qualys().env("XDG_CONFIG_HOME", &home).args([
        "--profile",
        "prod",
        "keys",
        "toggle",
        "7",
        "--dry-run",
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "PATCH https://gateway.qg2.apps.qualys.com/caui/v1/activation-keys/manage/7\n"
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn sandbox_serve_prints_exports_and_serves() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("qualys"))
        .args(["sandbox", "serve", "--keys", "2"])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let mut env = BTreeMap::new();
    for _ in 0..3 {
        let line = lines.next().unwrap().unwrap();
        let (k, v) = line
            .strip_prefix("export ")
            .unwrap()
            .split_once('=')
            .unwrap();
        env.insert(k.to_owned(), v.trim_matches('\'').to_owned());
    }
    assert_eq!(env["QUALYS_CLIENT_ID"], "sandbox-client");
    assert_eq!(env["QUALYS_CLIENT_SECRET"], "sandbox-secret");
    let (code, out, _) = run(qualys().envs(&env).args(["keys", "list", "-o", "ndjson"]));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 7);
    child.kill().unwrap();
    let _ = child.wait();
}

/// Each error kind and its documented exit code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_of_every_error_kind() {
    let mut h = BTreeMap::new();
    h.insert("X-RateLimit-ToWait-Sec".to_owned(), "3600".to_owned());
    let throttle: Fault =
        serde_json::from_value(serde_json::json!({"type":"respond","status":429,"headers":h}))
            .unwrap();
    let short_list: Fault =
        serde_json::from_value(serde_json::json!({"type":"respond","status":200,
        "body": r#"{"pageSize":2,"totalCount":9,"noOfPages":1,"content":[{"id":1},{"id":2}]}"#}))
        .unwrap();
    let plan = FaultPlan::new()
        .rule(Route::Search, Calls::Nth(vec![1]), throttle)
        .rule(Route::Search, Calls::Nth(vec![2]), short_list);
    let s = Sandbox::start(SandboxConfig::default().faults(plan))
        .await
        .unwrap();
    let with_env = |secret: &str| {
        let mut c = qualys();
        c.env("QUALYS_GATEWAY_URL", s.base_url())
            .env("QUALYS_CLIENT_ID", s.client_id())
            .env("QUALYS_CLIENT_SECRET", secret);
        c
    };
    let ok = s.client_secret().to_owned();
    let cases: Vec<(&str, Command, i32)> = vec![
        (
            "throttled",
            {
                let mut c = with_env(&ok);
                c.args(["keys", "list"]);
                c
            },
            5,
        ),
        (
            "truncated",
            {
                let mut c = with_env(&ok);
                c.args(["keys", "list", "--all", "-o", "ndjson"]);
                c
            },
            6,
        ),
        (
            "auth",
            {
                let mut c = with_env("wrong");
                c.args(["keys", "list"]);
                c
            },
            3,
        ),
        (
            "not_found",
            {
                let mut c = with_env(&ok);
                c.args(["keys", "get", "1"]);
                c
            },
            4,
        ),
        (
            "api",
            {
                let mut c = with_env(&ok);
                c.args(["keys", "list", "--query", "nope:1"]);
                c
            },
            1,
        ),
        (
            "usage",
            {
                let mut c = qualys();
                c.args(["keys", "list", "--limit", "0"]);
                c
            },
            2,
        ),
        (
            "config",
            {
                let mut c = qualys();
                c.args(["keys", "list"]);
                c
            },
            2,
        ),
    ];
    for (name, mut cmd, expected) in cases {
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, expected, "{name}: {err}");
        insta::assert_snapshot!(
            format!("error_{name}"),
            format!("exit {code}\n--- stdout\n{out}--- stderr\n{err}")
        );
    }
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    for args in [
        vec!["completions", "zsh"],
        vec![
            "--sandbox",
            "--sandbox-keys",
            "3000",
            "keys",
            "list",
            "--all",
            "-o",
            "ndjson",
        ],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("qualys"))
            .args(&args)
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away at once, like `| head -0`
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_after_some_keys_is_a_partial_result() {
    let fault: Fault = serde_json::from_value(serde_json::json!({"type":"respond","status":400,
        "body": r#"{"status":400,"error":"Bad Request","message":"page out of range"}"#}))
    .unwrap();
    let plan = FaultPlan::new().rule(Route::Search, Calls::Nth(vec![2]), fault);
    let s = Sandbox::start(SandboxConfig::default().generated_keys(20).faults(plan))
        .await
        .unwrap();
    let (code, out, err) = run(qualys()
        .env("QUALYS_GATEWAY_URL", s.base_url())
        .env("QUALYS_CLIENT_ID", s.client_id())
        .env("QUALYS_CLIENT_SECRET", s.client_secret())
        .args(["keys", "list", "--all", "--limit", "10", "-o", "ndjson"]));
    assert_eq!(code, 6);
    assert_eq!(out.lines().count(), 10);
    assert_eq!(
        err,
        "qualys: search activation keys (page 1) failed: HTTP 400: page out of range (after 10 keys of 25)\n"
    );
}
