//! `qualys`: the command-line tool for the Qualys Cloud Agent API.

mod output;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use qualys::{Client, Completeness, Error, OrderBy, SortOrder};
use qualys_sandbox::{Sandbox, SandboxConfig};

use output::{Format, Writer};

/// Exit codes, documented in `--help` and the README.
mod exit {
    pub const OTHER: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const AUTH: u8 = 3;
    pub const NOT_FOUND: u8 = 4;
    pub const THROTTLED: u8 = 5;
    pub const TRUNCATED: u8 = 6;
}

const AFTER_HELP: &str = "\
Environment (without --sandbox):
  QUALYS_GATEWAY_URL    your platform's gateway, e.g. https://gateway.qg2.apps.qualys.com
  QUALYS_CLIENT_ID      client id for POST /auth/oidc
  QUALYS_CLIENT_SECRET  client secret (never printed)

Exit codes: 0 ok, 1 API or other error, 2 usage or configuration, 3 authentication failed,
4 not found, 5 throttled, 6 incomplete result (--all could not fetch everything).

Examples:
  qualys --sandbox keys list
  qualys --sandbox --sandbox-keys 500 keys list --all -o ndjson";

#[derive(Debug, Parser)]
#[command(name = "qualys", version, about = "Qualys Cloud Agent API: activation keys, from the terminal", after_help = AFTER_HELP)]
struct Cli {
    /// Run against an embedded local sandbox (the vendor's sample keys) instead of your account.
    #[arg(long, global = true)]
    sandbox: bool,
    /// With --sandbox: how many generated keys to add to the five sample keys.
    #[arg(long, global = true, value_name = "N", default_value_t = 0)]
    sandbox_keys: usize,
    /// Output format.
    #[arg(short, long, global = true, value_enum, default_value_t = Format::Table)]
    output: Format,
    /// Log to stderr (-v debug, -vv trace). Secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Activation keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// List (search) activation keys.
    #[command(
        after_help = "Examples:\n  qualys --sandbox keys list\n  qualys keys list --query 'activationKey.isDisabled:false' --order-by title --desc\n  qualys keys list --all -o ndjson > keys.ndjson"
    )]
    List(ListArgs),
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Query, passed through verbatim (e.g. `activationKey.isDisabled:false`).
    #[arg(short, long)]
    query: Option<String>,
    /// Sort field.
    #[arg(long, value_enum, value_name = "FIELD")]
    order_by: Option<SortField>,
    /// Sort descending (the wire's `DSC`).
    #[arg(long)]
    desc: bool,
    /// Page size to ask for (the server may use a smaller one).
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..))]
    limit: Option<u32>,
    /// Fetch every page (streams with -o ndjson / json).
    #[arg(short, long)]
    all: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortField {
    Title,
    ActivationKey,
    Agents,
    CreatedOn,
    Status,
    Expires,
}

impl From<SortField> for OrderBy {
    fn from(f: SortField) -> Self {
        match f {
            SortField::Title => OrderBy::Title,
            SortField::ActivationKey => OrderBy::ActivationKey,
            SortField::Agents => OrderBy::Agents,
            SortField::CreatedOn => OrderBy::CreatedOn,
            SortField::Status => OrderBy::Status,
            SortField::Expires => OrderBy::Expires,
        }
    }
}

/// A failure that ends the command: what to say and which exit code.
struct Failure {
    code: u8,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::Auth(a) if !a.is_retryable() => exit::AUTH,
            Error::Config(_) => exit::USAGE,
            Error::Api(api) if api.status == 404 => exit::NOT_FOUND,
            Error::Api(api) if api.status == 429 => exit::THROTTLED,
            Error::Api(api) if api.status == 401 || api.status == 403 => exit::AUTH,
            _ => exit::OTHER,
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure {
            code: exit::OTHER,
            message: format!("writing output: {e}"),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("qualys: cannot start the async runtime: {e}");
            return ExitCode::from(exit::OTHER);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if f.message.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("qualys: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn init_tracing(verbose: u8) {
    if verbose == 0 {
        return;
    }
    let level = if verbose == 1 { "debug" } else { "trace" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("QUALYS_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "warn,qualys={level},qualys_auth={level},qualys_transport={level},qualys_caui={level},qualys_sandbox={level}"
        ))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

async fn run(cli: Cli) -> Result<(), Failure> {
    // The sandbox lives as long as the command.
    let (client, _sandbox) = if cli.sandbox {
        let sandbox = Sandbox::start(SandboxConfig::default().generated_keys(cli.sandbox_keys))
            .await
            .map_err(|e| Failure {
                code: exit::OTHER,
                message: format!("cannot start the sandbox: {e}"),
            })?;
        eprintln!(
            "qualys: using the embedded sandbox at {} ({} demo keys, not your Qualys account)",
            sandbox.base_url(),
            sandbox.key_count()
        );
        let client = Client::builder()
            .gateway_url(sandbox.base_url())
            .client_credentials(sandbox.client_id(), sandbox.client_secret())
            .build()?;
        (client, Some(sandbox))
    } else {
        (Client::from_env().map_err(missing_env_hint)?, None)
    };
    match cli.command {
        Command::Keys(KeysCommand::List(args)) => list(&client, args, cli.output).await,
    }
}

fn missing_env_hint(e: Error) -> Failure {
    let mut f = Failure::from(e);
    if f.message.contains("not set") {
        f.message.push_str("\n  hint: export them, or try `qualys --sandbox keys list` to run against the embedded sandbox");
    }
    f
}

async fn list(client: &Client, args: ListArgs, format: Format) -> Result<(), Failure> {
    let mut search = client.activation_keys().search();
    if let Some(q) = args.query {
        search = search.query(q);
    }
    if let Some(field) = args.order_by {
        search = search.order_by(field.into());
    }
    if args.desc {
        search = search.sort_order(SortOrder::Dsc);
    }
    if let Some(limit) = args.limit {
        search = search.limit(limit);
    }
    let stdout = std::io::stdout();
    let mut out = Writer::new(format, stdout.lock(), stdout.is_terminal());
    if !args.all {
        let page = search.send().await?;
        let shown = page.content.len() as u64;
        out.write_keys(&page.content)?;
        out.finish()?;
        if let Some(total) = page.total_count.filter(|&t| t > shown) {
            eprintln!("qualys: showing {shown} of {total} keys; use --all to fetch every page");
        }
        return Ok(());
    }
    let mut pager = search.pages();
    loop {
        match pager.next_page().await {
            Ok(Some(page)) => out.write_keys(&page.content)?,
            Ok(None) => break,
            Err(e) => {
                out.finish()?;
                let mut f = Failure::from(e);
                f.message = format!(
                    "{} (after {} keys{})",
                    f.message,
                    pager.received(),
                    pager
                        .total_count()
                        .map(|t| format!(" of {t}"))
                        .unwrap_or_default()
                );
                return Err(f);
            }
        }
    }
    out.finish()?;
    std::io::stdout().flush()?;
    match pager.completeness() {
        Some(Completeness::Truncated(t)) => Err(Failure {
            code: exit::TRUNCATED,
            message: format!("incomplete list: {t}"),
        }),
        _ => Ok(()),
    }
}
