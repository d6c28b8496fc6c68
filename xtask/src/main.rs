//! `cargo xtask`: the project's automation. `cargo xtask ci` is what CI runs.

mod codegen;
mod release;

use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci      everything CI checks: fmt, codegen --check, clippy (-D warnings), tests, docs,
          feature combinations, cargo deny (all four checks, advisories offline)
  release [--dry-run] <version>
          bump every crate, check CHANGELOG.md, package and verify in dependency order
  deny    cargo deny check (installs cargo-deny if missing)
  features
          build each library crate with no default features and each feature alone
  bench [--quick]
          benchmarks (release build; writes docs/benchmarks.md). --quick: a short
          smoke run in the debug build, report in target/bench-quick.md
  codegen [--check]
          generate qualys-model's wire structs from docs/openapi/caui-v1.yaml
          (--check: fail if the committed file is stale)
  fmt     cargo fmt --check
  lint    cargo clippy --workspace --all-targets -- -D warnings
  test    cargo test --workspace
  doc     cargo doc --workspace --no-deps with warnings denied";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().cloned().unwrap_or_default();
    let check = args.iter().any(|a| a == "--check");
    if task == "bench" {
        let quick = args.iter().any(|a| a == "--quick");
        return match bench(quick) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if task == "release" {
        let dry_run = args.iter().any(|a| a == "--dry-run");
        let Some(version) = args.iter().skip(1).find(|a| !a.starts_with("--")) else {
            eprintln!("usage: cargo xtask release [--dry-run] <version>");
            return ExitCode::from(2);
        };
        return match release::run(&codegen::root(), version, dry_run) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if task == "codegen" {
        return match codegen::run(check) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let steps: &[fn() -> Result<(), String>] = match task.as_str() {
        "ci" => &[fmt, codegen_check, lint, test, doc, features, deny],
        "deny" => &[deny],
        "features" => &[features],
        "fmt" => &[fmt],
        "lint" => &[lint],
        "test" => &[test],
        "doc" => &[doc],
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    for step in steps {
        if let Err(e) = step() {
            eprintln!("xtask: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("xtask: cargo {}", args.join(" "));
    let started = std::time::Instant::now();
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    eprintln!(
        "xtask: cargo {} finished in {:.1} s",
        args.first().copied().unwrap_or(""),
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn bench(quick: bool) -> Result<(), String> {
    let root = codegen::root();
    let mut build = vec![
        "build",
        "-p",
        "qualys-sandbox",
        "-p",
        "qualys-cli",
        "-p",
        "qualys-bench",
    ];
    if !quick {
        build.push("--release");
    }
    cargo(&build, &[])?;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let dir = target.join(if quick { "debug" } else { "release" });
    let out = if quick {
        target.join("bench-quick.md")
    } else {
        root.join("docs/benchmarks.md")
    };
    let mut cmd = Command::new(dir.join("qualys-bench"));
    cmd.arg("run")
        .arg("--sandbox-bin")
        .arg(dir.join("qualys-sandbox"))
        .arg("--qualys-bin")
        .arg(dir.join("qualys"))
        .arg("--out")
        .arg(&out)
        .arg("--profile")
        .arg(if quick { "debug" } else { "release" });
    if quick {
        cmd.arg("--quick");
    }
    eprintln!(
        "xtask: running the benchmarks{}",
        if quick { " (quick)" } else { "" }
    );
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run qualys-bench: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the benchmarks failed ({status})"))
    }
}

/// Each library crate with no default features, and with each of its features alone.
fn features() -> Result<(), String> {
    let checks: [(&str, &[&str]); 6] = [
        ("qualys-model", &[]),
        ("qualys-auth", &[]),
        ("qualys-transport", &["webpki-roots", "native-roots"]),
        ("qualys-caui", &[]),
        ("qualys", &["webpki-roots", "native-roots"]),
        ("qualys-sandbox", &["tls"]),
    ];
    for (krate, features) in checks {
        cargo(&["check", "-q", "-p", krate, "--no-default-features"], &[])?;
        for feature in features {
            cargo(
                &[
                    "check",
                    "-q",
                    "-p",
                    krate,
                    "--no-default-features",
                    "--features",
                    feature,
                ],
                &[],
            )?;
        }
    }
    Ok(())
}

/// `cargo deny check` with all four checks. Advisories use the offline snapshot of the RustSec
/// database shipped beside the project (`../shared/rustsec-advisory-db`), copied into a git
/// repository where cargo-deny expects it.
fn deny() -> Result<(), String> {
    let root = codegen::root();
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let installed = Command::new(&cargo_bin)
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!("xtask: cargo-deny is missing; installing it (a few minutes)");
        cargo(&["install", "--locked", "cargo-deny"], &[])?;
    }
    let snapshot = [
        std::env::var("QUALYS_ADVISORY_DB")
            .ok()
            .map(std::path::PathBuf::from),
        Some(root.join("../shared/rustsec-advisory-db")),
        Some(std::path::PathBuf::from("/work/shared/rustsec-advisory-db")),
    ]
    .into_iter()
    .flatten()
    .find(|p| p.join("crates").is_dir());
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let config = root.join("deny.toml");
    let mut checks = vec!["bans", "licenses", "sources"];
    let mut deny_config = std::fs::read_to_string(&config).map_err(|e| e.to_string())?;
    match snapshot {
        Some(snapshot) => {
            let parent = target.join("advisory-dbs");
            let db = parent.join("advisory-db-3157b0e258782691");
            if !db.join(".git").is_dir() {
                let _ = std::fs::remove_dir_all(&db);
                copy_dir(&snapshot, &db)?;
                for args in [
                    vec!["init", "-q"],
                    vec!["add", "-A"],
                    vec![
                        "-c",
                        "user.name=ci",
                        "-c",
                        "user.email=ci@localhost",
                        "commit",
                        "-qm",
                        "snapshot",
                    ],
                ] {
                    let ok = Command::new("git")
                        .current_dir(&db)
                        .args(&args)
                        .status()
                        .is_ok_and(|s| s.success());
                    if !ok {
                        return Err(format!("git {} failed in {}", args.join(" "), db.display()));
                    }
                }
            }
            if !deny_config.contains("[advisories]\n") {
                return Err("deny.toml has no [advisories] table".into());
            }
            deny_config = deny_config.replace(
                "[advisories]\n",
                &format!(
                    "[advisories]\ndb-path = {:?}\n",
                    parent.display().to_string()
                ),
            );
            checks.insert(0, "advisories");
        }
        None => eprintln!(
            "xtask: WARNING: no advisory snapshot found (../shared/rustsec-advisory-db or \
             QUALYS_ADVISORY_DB): running bans, licenses and sources only"
        ),
    }
    let generated = target.join("deny-ci.toml");
    std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
    std::fs::write(&generated, deny_config).map_err(|e| e.to_string())?;
    let generated = generated.display().to_string();
    let mut args = vec!["deny", "--offline", "--config", generated.as_str(), "check"];
    args.extend(checks);
    cargo(&args, &[])
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn codegen_check() -> Result<(), String> {
    codegen::run(true)
}

fn fmt() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"], &[])
}

fn lint() -> Result<(), String> {
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )
}

fn test() -> Result<(), String> {
    // CI=true makes insta fail on a missing or changed snapshot instead of writing one.
    cargo(&["test", "--workspace", "--all-targets"], &[("CI", "true")])?;
    cargo(&["test", "--workspace", "--doc"], &[("CI", "true")])
}

fn doc() -> Result<(), String> {
    cargo(
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )
}
