//! `qualys-sandbox`: runs the gateway emulator until interrupted.

use std::net::SocketAddr;
use std::process::ExitCode;

use qualys_sandbox::{Sandbox, SandboxConfig};

const USAGE: &str = "usage: qualys-sandbox [--addr 127.0.0.1:PORT] [--keys N] [--seed N] \
[--client-id ID] [--client-secret SECRET] [--token-lifetime-secs N] [--max-page-size N]";

fn parse_args() -> Result<SandboxConfig, String> {
    let mut config = SandboxConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.into());
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let bad = |e: &dyn std::fmt::Display| format!("invalid value for {flag}: {e}");
        match flag.as_str() {
            "--addr" => config.addr = value.parse::<SocketAddr>().map_err(|e| bad(&e))?,
            "--keys" => config.generated_keys = value.parse().map_err(|e| bad(&e))?,
            "--seed" => config.seed = value.parse().map_err(|e| bad(&e))?,
            "--client-id" => config.client_id = value,
            "--client-secret" => config.client_secret = value,
            "--token-lifetime-secs" => {
                config.token_lifetime =
                    std::time::Duration::from_secs(value.parse().map_err(|e| bad(&e))?)
            }
            "--max-page-size" => config.max_page_size = value.parse().map_err(|e| bad(&e))?,
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qualys-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "qualys-sandbox listening on {}\n  {} keys; credentials: clientId={} clientSecret={}\n  \
         press Ctrl-C to stop",
        sandbox.base_url(),
        sandbox.key_count(),
        sandbox.client_id(),
        sandbox.client_secret()
    );
    let _ = tokio::signal::ctrl_c().await;
    sandbox.stop().await;
    ExitCode::SUCCESS
}
