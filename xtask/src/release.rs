//! `cargo xtask release [--dry-run] <version>`: bump every publishable crate and the intra-workspace
//! requirements together, check the changelog, and package every crate in dependency order.

use std::path::Path;
use std::process::Command;

/// Publishable crates, in dependency order.
pub const CRATES: [&str; 7] = [
    "qualys-model",
    "qualys-auth",
    "qualys-transport",
    "qualys-caui",
    "qualys",
    "qualys-sandbox",
    "qualys-cli",
];

/// Checks `x.y.z` with an optional `-pre` part.
pub fn valid_version(v: &str) -> bool {
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (v, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && pre.is_none_or(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        })
}

/// Whether the changelog has a section for `version` (`## 1.2.3` or `## [1.2.3]`).
pub fn changelog_has(changelog: &str, version: &str) -> bool {
    changelog.lines().any(|l| {
        let l = l.trim();
        l.strip_prefix("## ").is_some_and(|rest| {
            let rest = rest.trim_start_matches('[');
            rest.starts_with(version)
                && rest[version.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| matches!(c, ']' | ' ' | '\t'))
        })
    })
}

/// The root manifest with `[workspace.package] version` and every internal requirement set to
/// `version`. Fails if a crate's requirement is missing (the graph would drift).
pub fn bump_manifest(manifest: &str, version: &str) -> Result<String, String> {
    let mut out = String::with_capacity(manifest.len());
    let mut section = String::new();
    let mut bumped_package = false;
    let mut bumped: Vec<&str> = Vec::new();
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.to_owned();
        }
        let mut new_line = line.to_owned();
        if section == "[workspace.package]" && trimmed.starts_with("version") {
            new_line = format!("version = \"{version}\"");
            bumped_package = true;
        } else if section == "[workspace.dependencies]" {
            for krate in CRATES {
                let prefix = format!("{krate} = {{");
                if trimmed.starts_with(&prefix) && trimmed.contains("path = ") {
                    let start = line
                        .find("version = \"")
                        .ok_or_else(|| format!("{krate} has no version requirement"))?
                        + "version = \"".len();
                    let end = line[start..]
                        .find('"')
                        .ok_or_else(|| format!("{krate}: unterminated version"))?
                        + start;
                    new_line = format!("{}{version}{}", &line[..start], &line[end..]);
                    bumped.push(krate);
                }
            }
        }
        out.push_str(&new_line);
        out.push('\n');
    }
    if !bumped_package {
        return Err("no version in [workspace.package]".into());
    }
    for krate in CRATES {
        // The CLI is a leaf: nothing depends on it.
        if krate != "qualys-cli" && !bumped.contains(&krate) {
            return Err(format!("{krate} is missing from [workspace.dependencies]"));
        }
    }
    Ok(out)
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn run(root: &Path, version: &str, dry_run: bool) -> Result<(), String> {
    if !valid_version(version) {
        return Err(format!("`{version}` is not a version (x.y.z[-pre])"));
    }
    if !git(root, &["status", "--porcelain"])?.trim().is_empty() {
        return Err("the working tree has uncommitted changes: commit or stash them first".into());
    }
    let changelog = std::fs::read_to_string(root.join("CHANGELOG.md"))
        .map_err(|e| format!("cannot read CHANGELOG.md: {e}"))?;
    if !changelog_has(&changelog, version) {
        return Err(format!("CHANGELOG.md has no section `## {version}`"));
    }
    // A dry run works on a throw-away clone, so the tree is never touched.
    let work = if dry_run {
        let dir = std::env::temp_dir().join(format!("qualys-release-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        git(
            root,
            &[
                "clone",
                "-q",
                ".",
                dir.to_str().ok_or("temp path is not UTF-8")?,
            ],
        )?;
        dir
    } else {
        root.to_path_buf()
    };
    let manifest_path = work.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path).map_err(|e| e.to_string())?;
    std::fs::write(&manifest_path, bump_manifest(&manifest, version)?)
        .map_err(|e| e.to_string())?;
    eprintln!(
        "xtask: version set to {version} in {}",
        manifest_path.display()
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    // Package every crate in dependency order and verify each builds on its own, against the
    // others as packaged (cargo overlays a local registry for the unpublished versions).
    let mut verify = Command::new(&cargo);
    verify
        .current_dir(&work)
        .env("CARGO_TARGET_DIR", target.join("release-check"))
        .args(["package", "--allow-dirty"]);
    for krate in CRATES {
        verify.args(["-p", krate]);
    }
    eprintln!("xtask: cargo package {} (verified)", CRATES.join(" "));
    let status = verify
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("a packaged crate does not build on its own".into());
    }
    if dry_run {
        let _ = std::fs::remove_dir_all(&work);
        eprintln!("xtask: dry run of release {version} passed; nothing was changed");
    } else {
        git(root, &["commit", "-qam", &format!("Release {version}")])?;
        git(root, &["tag", &format!("v{version}")])?;
        eprintln!("xtask: committed and tagged v{version}; publish in this order:");
        for krate in CRATES {
            eprintln!("  cargo publish -p {krate}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for ok in ["0.1.0", "1.20.3", "2.0.0-rc.1"] {
            assert!(valid_version(ok), "{ok}");
        }
        for bad in ["1.0", "v1.0.0", "1.0.0-", "1.x.0", ""] {
            assert!(!valid_version(bad), "{bad}");
        }
    }

    #[test]
    fn changelog_sections() {
        let log = "# Changelog\n\n## [0.2.0] - 2026-12-01\n\n## 0.1.0\n";
        assert!(changelog_has(log, "0.2.0"));
        assert!(changelog_has(log, "0.1.0"));
        assert!(!changelog_has(log, "0.1"));
        assert!(!changelog_has(log, "0.3.0"));
    }

    #[test]
    fn the_real_manifest_bumps_everything_together() {
        let manifest = std::fs::read_to_string(crate::codegen::root().join("Cargo.toml")).unwrap();
        let bumped = bump_manifest(&manifest, "9.8.7").unwrap();
        assert!(bumped.contains("[workspace.package]\nversion = \"9.8.7\""));
        for krate in CRATES.iter().filter(|k| **k != "qualys-cli") {
            let line = bumped
                .lines()
                .find(|l| l.starts_with(&format!("{krate} = {{")))
                .unwrap();
            assert!(line.contains("version = \"9.8.7\""), "{line}");
        }
        // Nothing else changed.
        assert_eq!(bumped.lines().count(), manifest.lines().count());
    }

    #[test]
    fn a_missing_requirement_is_an_error() {
        let manifest = "[workspace.package]\nversion = \"0.1.0\"\n[workspace.dependencies]\n";
        assert_eq!(
            bump_manifest(manifest, "0.2.0").unwrap_err(),
            "qualys-model is missing from [workspace.dependencies]"
        );
    }
}
