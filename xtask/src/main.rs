//! `cargo xtask`: the project's automation. `cargo xtask ci` is what CI runs.

mod codegen;

use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci      everything CI checks: fmt, codegen --check, clippy (-D warnings), tests, docs
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
