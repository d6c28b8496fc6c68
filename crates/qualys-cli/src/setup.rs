//! `qualys configure` and `qualys sandbox serve`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use qualys_sandbox::{Sandbox, SandboxConfig};

use crate::{Failure, exit};

/// Asks for a profile's settings and writes them to the config file (mode 600), keeping the other
/// profiles. Prompts go to stderr; answers come from stdin (the secret without echo on a terminal).
pub(crate) fn configure(profile: Option<&str>) -> Result<(), Failure> {
    let lookup = |name: &str| std::env::var(name).ok();
    let path = qualys::config::profile_path(&lookup).ok_or_else(|| {
        Failure::new(
            exit::USAGE,
            "cannot find the config directory: set XDG_CONFIG_HOME or HOME",
        )
    })?;
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    let mut lines = stdin.lock().lines();
    let mut ask = |question: &str, default: &str| -> Result<String, Failure> {
        if default.is_empty() {
            eprint!("{question}: ");
        } else {
            eprint!("{question} [{default}]: ");
        }
        let _ = std::io::stderr().flush();
        let answer = lines.next().transpose()?.unwrap_or_default();
        if !terminal {
            eprintln!();
        }
        let answer = answer.trim();
        Ok(if answer.is_empty() {
            default.to_owned()
        } else {
            answer.to_owned()
        })
    };
    let name = match profile {
        Some(p) => p.to_owned(),
        None => ask("Profile name", "default")?,
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Failure::new(
            exit::USAGE,
            format!("`{name}` is not a profile name: use letters, digits, `-` and `_`"),
        ));
    }
    let where_ = ask(
        "Platform (US1…US4, EU1…EU3, IN1, CA1, AE1, UK1, AU1, KSA1, GOV1) or gateway URL",
        "US1",
    )?;
    let mut table = toml::Table::new();
    if where_.contains('.') || where_.contains("://") {
        qualys::auth::GatewayUrl::parse(&where_)
            .map_err(|e| Failure::new(exit::USAGE, e.to_string()))?;
        table.insert("gateway_url".into(), where_.into());
    } else {
        let p: qualys::auth::Platform = where_
            .parse()
            .map_err(|e: qualys::auth::AuthError| Failure::new(exit::USAGE, e.to_string()))?;
        table.insert("platform".into(), p.name().into());
    }
    let client_id = ask("Client id", "")?;
    if client_id.is_empty() {
        return Err(Failure::new(exit::USAGE, "a client id is required"));
    }
    let secret = if terminal {
        rpassword::prompt_password("Client secret (not shown): ")?
    } else {
        eprintln!("Client secret: (read from stdin)");
        lines.next().transpose()?.unwrap_or_default()
    };
    let secret = secret.trim().to_owned();
    if secret.is_empty() {
        return Err(Failure::new(exit::USAGE, "a client secret is required"));
    }
    table.insert("client_id".into(), client_id.into());
    table.insert("client_secret".into(), secret.into());
    write_profile(&path, &name, table)?;
    eprintln!(
        "qualys: wrote profile \"{name}\" to {} (readable by you only)",
        path.display()
    );
    Ok(())
}

fn write_profile(path: &Path, name: &str, profile: toml::Table) -> Result<(), Failure> {
    let mut doc: toml::Table = match std::fs::read_to_string(path) {
        Ok(text) => text.parse().map_err(|e: toml::de::Error| {
            Failure::new(
                exit::USAGE,
                format!("{} is not valid TOML: {}", path.display(), e.message()),
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
        Err(e) => return Err(e.into()),
    };
    doc.insert(name.to_owned(), toml::Value::Table(profile));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = toml::to_string(&doc).map_err(|e| Failure::new(exit::OTHER, e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(text.as_bytes())?;
    Ok(())
}

/// Runs the sandbox until Ctrl-C. `export` lines for its URL and credentials go to stdout.
pub(crate) async fn serve(
    addr: std::net::SocketAddr,
    keys: usize,
    client_id: &str,
    client_secret: &str,
    faults: Option<&Path>,
) -> Result<(), Failure> {
    if !addr.ip().is_loopback() {
        return Err(Failure::new(
            exit::USAGE,
            format!("--addr {addr}: the sandbox listens on loopback addresses only"),
        ));
    }
    let mut config = SandboxConfig::default()
        .addr(addr)
        .generated_keys(keys)
        .credentials(client_id, client_secret);
    if let Some(path) = faults {
        let text = std::fs::read_to_string(path)?;
        let plan = serde_json::from_str(&text).map_err(|e| {
            Failure::new(
                exit::USAGE,
                format!("{} is not a fault plan: {e}", path.display()),
            )
        })?;
        config = config.faults(plan);
    }
    let sandbox = Sandbox::start(config)
        .await
        .map_err(|e| Failure::new(exit::OTHER, format!("cannot start the sandbox: {e}")))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "export QUALYS_GATEWAY_URL={}",
        shell_quote(sandbox.base_url())
    )?;
    writeln!(
        out,
        "export QUALYS_CLIENT_ID={}",
        shell_quote(sandbox.client_id())
    )?;
    writeln!(
        out,
        "export QUALYS_CLIENT_SECRET={}",
        shell_quote(sandbox.client_secret())
    )?;
    out.flush()?;
    drop(out);
    eprintln!(
        "qualys: sandbox listening on {} with {} keys; Ctrl-C to stop",
        sandbox.base_url(),
        sandbox.key_count()
    );
    tokio::signal::ctrl_c().await?;
    sandbox.stop().await;
    Ok(())
}

/// A POSIX-shell single-quoted word: safe to `eval` whatever the value holds.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoting_survives_hostile_values() {
        assert_eq!(super::shell_quote("x;echo INJECTED"), "'x;echo INJECTED'");
        assert_eq!(super::shell_quote("it's"), "'it'\\''s'");
        assert_eq!(super::shell_quote("http://[::1]:80"), "'http://[::1]:80'");
    }
}
