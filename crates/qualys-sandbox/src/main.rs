//! `qualys-sandbox`: runs the gateway emulator until interrupted.

use std::net::SocketAddr;
use std::process::ExitCode;

use qualys_sandbox::{Sandbox, SandboxConfig};

const USAGE: &str = "usage: qualys-sandbox [options]

A local emulator of the Qualys gateway: POST /auth/oidc, /auth/oauth and /auth, and
POST /caui/v1/activation-keys/manage (search), serving the vendor's five sample keys
plus generated ones.

options:
  --addr 127.0.0.1:PORT        listen address, loopback only (default 127.0.0.1:0, any free port)
  --keys N                     generated keys to add to the five sample keys (default 0)
  --seed N                     seed of the generated keys (default 42)
  --client-id ID               accepted clientId (default sandbox-client)
  --client-secret SECRET       accepted clientSecret (default sandbox-secret)
  --token-lifetime-secs N      lifetime of issued tokens (default 14400, 4 hours)
  --max-page-size N            largest page returned whatever the limit (default 200)
  --faults FILE                a fault plan (JSON, see the FaultPlan docs); the environment
                               variable QUALYS_SANDBOX_FAULTS may hold one too
  -h, --help                   this text";

/// `Ok(None)` for `--help`.
fn parse_args() -> Result<Option<SandboxConfig>, String> {
    let mut config = SandboxConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let known = [
            "--addr",
            "--keys",
            "--seed",
            "--client-id",
            "--client-secret",
            "--token-lifetime-secs",
            "--max-page-size",
            "--faults",
        ];
        if !known.contains(&flag.as_str()) {
            return Err(format!("unknown option {flag}\n\n{USAGE}"));
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))?;
        let bad = |e: &dyn std::fmt::Display| format!("invalid value for {flag}: {e}");
        match flag.as_str() {
            "--addr" => {
                config.addr = value.parse::<SocketAddr>().map_err(|e| bad(&e))?;
                if !config.addr.ip().is_loopback() {
                    return Err(format!(
                        "--addr {value}: the sandbox listens on loopback addresses only \
                         (its tokens travel over plain http)"
                    ));
                }
            }
            "--keys" => config.generated_keys = value.parse().map_err(|e| bad(&e))?,
            "--seed" => config.seed = value.parse().map_err(|e| bad(&e))?,
            "--client-id" => config.client_id = value,
            "--client-secret" => config.client_secret = value,
            "--token-lifetime-secs" => {
                config.token_lifetime =
                    std::time::Duration::from_secs(value.parse().map_err(|e| bad(&e))?)
            }
            "--faults" => {
                let text = std::fs::read_to_string(&value).map_err(|e| bad(&e))?;
                config.faults = serde_json::from_str(&text).map_err(|e| bad(&e))?;
            }
            _ => config.max_page_size = value.parse().map_err(|e| bad(&e))?,
        }
    }
    if let Ok(text) = std::env::var("QUALYS_SANDBOX_FAULTS")
        && !text.trim().is_empty()
        && config.faults.rules.is_empty()
    {
        config.faults = serde_json::from_str(&text)
            .map_err(|e| format!("invalid QUALYS_SANDBOX_FAULTS: {e}"))?;
    }
    Ok(Some(config))
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(Some(c)) => c,
        Ok(None) => {
            #[allow(clippy::print_stdout)]
            {
                println!("{USAGE}");
            }
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("qualys-sandbox: {msg}");
            return ExitCode::from(2);
        }
    };
    let sandbox_faults = match config.faults.rules.len() {
        0 => String::new(),
        n => format!("{n} rule(s)"),
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qualys-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let url = sandbox.base_url();
    if !sandbox_faults.is_empty() {
        eprintln!("  fault plan: {sandbox_faults}");
    }
    eprintln!(
        "qualys-sandbox listening on {url}\n  \
         {} keys (the vendor's 5 sample keys + generated ones)\n  \
         client credentials: clientId={} clientSecret={}\n  \
         password login:     username={} password={}\n  \
         try: curl -s -X POST -H 'clientId: {}' -H 'clientSecret: {}' {url}/auth/oidc\n  \
         press Ctrl-C to stop",
        sandbox.key_count(),
        sandbox.client_id(),
        sandbox.client_secret(),
        sandbox.username(),
        sandbox.password(),
        sandbox.client_id(),
        sandbox.client_secret(),
    );
    let _ = tokio::signal::ctrl_c().await;
    sandbox.stop().await;
    ExitCode::SUCCESS
}
