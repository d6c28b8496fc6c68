//! `cargo xtask`: the project's automation. `cargo xtask ci` is what CI runs.

mod codegen;

use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci      everything CI checks: fmt, codegen --check, clippy (-D warnings), tests, docs
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
        "ci" => &[fmt, codegen_check, lint, test, doc],
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
