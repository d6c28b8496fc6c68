//! Shared by the CLI's test binaries: the binary in a clean environment, and stable output.

#![allow(dead_code, clippy::unwrap_used)]

use assert_cmd::Command;

/// The binary with no QUALYS_* variables, no profile file and no colours.
pub fn qualys() -> Command {
    let mut cmd = Command::cargo_bin("qualys").unwrap();
    for (var, _) in std::env::vars() {
        if var.starts_with("QUALYS_") {
            cmd.env_remove(var);
        }
    }
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/qualys-cli-tests");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Output text with the sandbox's ephemeral port replaced by `PORT`, so snapshots are stable.
pub fn stable(text: &[u8]) -> String {
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
