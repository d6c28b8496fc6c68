//! `qualys`: the command-line tool for the Qualys Cloud Agent API.

mod keys;
mod output;
mod setup;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::time::{SystemTime, UNIX_EPOCH};

use qualys::auth::{ExpirySource, ExposeSecret, Platform};
use qualys::{Client, Completeness, Date, Error, OrderBy, SortOrder};
use qualys_sandbox::{Sandbox, SandboxConfig};

use output::{Format, Writer};

/// Exit codes, documented in `--help` and the README.
pub(crate) mod exit {
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
    #[arg(long, global = true, help_heading = "Global options")]
    sandbox: bool,
    /// With --sandbox: how many generated keys to add to the five sample keys.
    #[arg(
        long,
        global = true,
        value_name = "N",
        requires = "sandbox",
        help_heading = "Global options"
    )]
    sandbox_keys: Option<usize>,
    /// Profile of the config file to use (default: QUALYS_PROFILE, else "default").
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Global options"
    )]
    profile: Option<String>,
    /// Platform (POD) whose gateway to use, e.g. US2, EU1 (an explicit gateway URL wins).
    #[arg(
        long,
        global = true,
        value_name = "POD",
        help_heading = "Global options"
    )]
    platform: Option<String>,
    /// Gateway base URL, e.g. https://gateway.qg2.apps.qualys.com.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help_heading = "Global options"
    )]
    gateway_url: Option<String>,
    /// Output format.
    #[arg(short, long, global = true, value_enum, default_value_t = Format::Table, help_heading = "Global options")]
    output: Format,
    /// Timeout of each request attempt, in seconds (default 120).
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        help_heading = "Global options"
    )]
    timeout: Option<u64>,
    /// Also trust the CA certificates of this PEM file (e.g. a TLS-inspecting proxy's).
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "QUALYS_CA_BUNDLE",
        help_heading = "Global options"
    )]
    ca_bundle: Option<std::path::PathBuf>,
    /// No colours (also when NO_COLOR is set).
    #[arg(long, global = true, help_heading = "Global options")]
    no_color: bool,
    /// Log to stderr (-v debug, -vv trace). Secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = "Global options")]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Activation keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Tokens: print one, or show where it comes from and when it expires.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// The local emulator of the gateway.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Write a profile to the config file, asking for each setting (the secret is not echoed).
    #[command(after_help = "Example:\n  qualys configure --profile prod")]
    Configure,
    /// Print shell completions.
    #[command(after_help = "Example:\n  qualys completions bash > /etc/bash_completion.d/qualys")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// Run the emulator as a server until interrupted; prints `export` lines for its URL and the
    /// credentials it accepts.
    #[command(
        after_help = "Example:\n  qualys sandbox serve --keys 1000 --addr 127.0.0.1:8443\n  eval \"$(qualys sandbox serve &)\"  # in another shell: qualys keys list\n\nDefaults: a free port on 127.0.0.1, client id sandbox-client, secret sandbox-secret,\nusername sandbox-user, password p@ss+w%rd&1=#."
    )]
    Serve {
        /// Listen address (loopback only).
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: std::net::SocketAddr,
        /// Generated keys added to the five sample keys.
        #[arg(long, value_name = "N", default_value_t = 0)]
        keys: usize,
        /// Accepted client id.
        #[arg(long, default_value = qualys_sandbox::DEFAULT_CLIENT_ID)]
        client_id: String,
        /// Accepted client secret.
        #[arg(long, default_value = qualys_sandbox::DEFAULT_CLIENT_SECRET)]
        client_secret: String,
        /// A fault plan (JSON).
        #[arg(long, value_name = "FILE")]
        faults: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AuthCommand {
    /// Print a valid access token to stdout (for `curl -H "Authorization: Bearer $(qualys auth token)"`).
    #[command(after_help = "Example:\n  qualys --sandbox auth token")]
    Token,
    /// Show the credential source, subject and expiry of the current token (never the secret).
    #[command(
        after_help = "Example:\n  qualys --sandbox auth status\n  qualys auth status -o json"
    )]
    Status,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// List (search) activation keys.
    #[command(
        after_help = "Examples:\n  qualys --sandbox keys list\n  qualys keys list --query 'activationKey.isDisabled:false' --order-by title --desc\n  qualys keys list --all -o ndjson > keys.ndjson"
    )]
    List(ListArgs),
    /// Show one key.
    #[command(after_help = "Example:\n  qualys --sandbox keys get 12345678 -o json")]
    Get {
        /// The key's id.
        id: u64,
    },
    /// Create a key.
    #[command(
        after_help = "Example:\n  qualys keys create --title linux-golden-image --max-agents 500 --license VM --license PA --expire-date 2027-06-30"
    )]
    Create(CreateArgs),
    /// Change a key: only what you pass changes.
    #[command(
        after_help = "Example:\n  qualys keys update 12345678 --title renamed --no-expiry --add-license EDR"
    )]
    Update(UpdateArgs),
    /// Enable a key (does nothing if it is enabled already).
    #[command(after_help = "Example:\n  qualys keys enable 12345678")]
    Enable(IdArgs),
    /// Disable a key (does nothing if it is disabled already).
    #[command(after_help = "Example:\n  qualys keys disable 12345678")]
    Disable(IdArgs),
    /// Flip a key between enabled and disabled (the raw vendor operation).
    #[command(after_help = "Example:\n  qualys keys toggle 12345678")]
    Toggle(IdArgs),
    /// Delete a key (asks for confirmation; refused while agents use it).
    #[command(after_help = "Example:\n  qualys keys delete 12345678 --yes")]
    Delete {
        #[command(flatten)]
        target: IdArgs,
        /// Do not ask for confirmation (required when not on a terminal).
        #[arg(short, long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    /// The key's id.
    pub(crate) id: u64,
    /// Print the request that would be sent, and send nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// Title (unique).
    #[arg(long)]
    title: String,
    /// Network id.
    #[arg(long, value_name = "ID")]
    network_id: Option<u64>,
    /// Expiry date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    expire_date: Option<Date>,
    /// Agent cap, 1-1000000 (the server's default: 1000000).
    #[arg(long, value_name = "N")]
    max_agents: Option<u32>,
    /// License code to grant (repeatable), e.g. VM, PA, EDR, SwCA.
    #[arg(long = "license", value_name = "CODE")]
    licenses: Vec<String>,
    /// Tag id (repeatable).
    #[arg(long = "tag", value_name = "ID")]
    tags: Vec<u64>,
    /// Print the request that would be sent, and send nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub(crate) struct UpdateArgs {
    /// The key's id.
    id: u64,
    /// New title.
    #[arg(long)]
    title: Option<String>,
    /// New network id.
    #[arg(long, value_name = "ID")]
    network_id: Option<u64>,
    /// New expiry date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = parse_date, conflicts_with = "no_expiry")]
    expire_date: Option<Date>,
    /// Remove the expiry.
    #[arg(long)]
    no_expiry: bool,
    /// New agent cap, 1-1000000.
    #[arg(long, value_name = "N", conflicts_with = "unlimited")]
    max_agents: Option<u32>,
    /// Remove the agent cap.
    #[arg(long)]
    unlimited: bool,
    /// Apply the change to agents already installed with the key.
    #[arg(long)]
    apply_to_existing_agents: bool,
    /// License to add (repeatable).
    #[arg(long = "add-license", value_name = "CODE")]
    add_licenses: Vec<String>,
    /// License to remove (repeatable).
    #[arg(long = "remove-license", value_name = "CODE")]
    remove_licenses: Vec<String>,
    /// Print the request that would be sent, and send nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

fn parse_limit(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(0) => Err("the page size must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a page size (a whole number from 1)")),
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
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
    #[arg(short, long, value_parser = parse_limit)]
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
pub(crate) struct Failure {
    code: u8,
    message: String,
    /// stdout was closed by the reader (`| head`): not an error.
    broken_pipe: bool,
}

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            broken_pipe: false,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::Auth(qualys::auth::AuthError::Config(_)) => exit::USAGE,
            Error::Auth(
                qualys::auth::AuthError::Rejected { .. }
                | qualys::auth::AuthError::StaticTokenExpired { .. },
            ) => exit::AUTH,
            Error::Config(_) | Error::Invalid { .. } => exit::USAGE,
            Error::Api(api) if api.status == 404 => exit::NOT_FOUND,
            Error::Api(api) if api.status == 429 => exit::THROTTLED,
            Error::Throttled { .. } => exit::THROTTLED,
            Error::Api(api) if api.status == 401 || api.status == 403 => exit::AUTH,
            _ => exit::OTHER,
        };
        Failure::new(code, e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        let mut f = Failure::new(exit::OTHER, format!("writing output: {e}"));
        f.broken_pipe = e.kind() == std::io::ErrorKind::BrokenPipe;
        f
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = !cli.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    init_tracing(cli.verbose, color);
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
        Err(f) if f.broken_pipe => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("qualys: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn init_tracing(verbose: u8, color: bool) {
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
        .with_ansi(color && std::io::stderr().is_terminal())
        .init();
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Generated into memory, so a closed pipe is an ordinary write error, not a panic.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "qualys", &mut script);
            let mut out = std::io::stdout().lock();
            out.write_all(&script)?;
            out.flush()?;
            return Ok(());
        }
        Command::Configure => return setup::configure(cli.profile.as_deref()),
        Command::Sandbox(SandboxCommand::Serve {
            addr,
            keys,
            client_id,
            client_secret,
            faults,
        }) => return setup::serve(*addr, *keys, client_id, client_secret, faults.as_deref()).await,
        _ => {}
    }
    // The sandbox lives as long as the command.
    let (client, _sandbox) = if cli.sandbox {
        let keys = cli.sandbox_keys.unwrap_or(0);
        let sandbox = Sandbox::start(SandboxConfig::default().generated_keys(keys))
            .await
            .map_err(|e| Failure::new(exit::OTHER, format!("cannot start the sandbox: {e}")))?;
        eprintln!(
            "qualys: using the embedded sandbox at {} ({} demo keys, not your Qualys account)",
            sandbox.base_url(),
            sandbox.key_count()
        );
        let builder = Client::builder()
            .gateway_url(sandbox.base_url())
            .client_credentials(sandbox.client_id(), sandbox.client_secret());
        (network_options(builder, &cli).build()?, Some(sandbox))
    } else {
        let mut builder = network_options(Client::builder().load_environment(), &cli);
        if let Some(url) = &cli.gateway_url {
            builder = builder.gateway_url(url);
        } else if let Some(p) = &cli.platform {
            builder = builder.platform(p.parse::<Platform>().map_err(Error::from)?);
        }
        if let Some(profile) = &cli.profile {
            builder = builder.profile(profile);
        }
        (builder.build().map_err(missing_env_hint)?, None)
    };
    for warning in client.config_warnings() {
        eprintln!("qualys: warning: {warning}");
    }
    match cli.command {
        Command::Keys(KeysCommand::List(args)) => list(&client, args, cli.output).await,
        Command::Keys(other) => keys::run(&client, other, cli.output).await,
        Command::Auth(AuthCommand::Token) => auth_token(&client).await,
        Command::Auth(AuthCommand::Status) => auth_status(&client, cli.output).await,
        Command::Sandbox(_) | Command::Configure | Command::Completions { .. } => Ok(()),
    }
}

/// The options every client takes from the command line: timeout and CA bundle.
fn network_options(mut builder: qualys::ClientBuilder, cli: &Cli) -> qualys::ClientBuilder {
    if let Some(secs) = cli.timeout {
        builder = builder.request_timeout(std::time::Duration::from_secs(secs));
    }
    if let Some(path) = &cli.ca_bundle {
        builder = builder.ca_bundle(path);
    }
    builder
}

fn missing_env_hint(e: Error) -> Failure {
    let mut f = Failure::from(e);
    if f.message.contains("not set") {
        let lookup = |name: &str| std::env::var(name).ok();
        let path = qualys::config::profile_path(&lookup)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "~/.config/qualys/config.toml".into());
        f.message.push_str(&format!(
            "\n  hint: set them (or run `qualys configure` to write a profile in {path}), or try \
             `qualys --sandbox keys list` to run against the embedded sandbox"
        ));
    }
    f
}

async fn auth_token(client: &Client) -> Result<(), Failure> {
    let token = client.token_cache().token().await.map_err(Error::from)?;
    let mut out = std::io::stdout().lock();
    // Printing the token is this command's purpose; it is never logged.
    out.write_all(token.secret().expose_secret().as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

async fn auth_status(client: &Client, format: Format) -> Result<(), Failure> {
    let cache = client.token_cache();
    let token = cache.token().await.map_err(Error::from)?;
    let now = SystemTime::now();
    let expires = unix_seconds(token.expires_at());
    let remaining = token
        .expires_at()
        .duration_since(now)
        .unwrap_or_default()
        .as_secs();
    let claims = token.claims();
    let expiry_source = match token.expiry_source() {
        ExpirySource::Jwt => "the token's exp claim",
        ExpirySource::AssumedLifetime => "assumed: opaque token, documented 4-hour lifetime",
    };
    let status = serde_json::json!({
        "source": cache.describe_source(),
        "gateway": cache.gateway().as_str(),
        "subject": claims.and_then(|c| c.sub.clone()),
        "issuer": claims.and_then(|c| c.iss.clone()),
        "tokenId": claims.and_then(|c| c.jti.clone()),
        "expiresAt": iso8601(expires),
        "expiresInSeconds": remaining,
        "expirySource": expiry_source,
        "refreshable": cache.can_refresh(),
    });
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json | Format::Ndjson | Format::Csv => {
            let text = if format == Format::Json {
                serde_json::to_string_pretty(&status)
            } else {
                serde_json::to_string(&status)
            }
            .map_err(|e| Failure::new(exit::OTHER, e.to_string()))?;
            writeln!(out, "{text}")?;
        }
        Format::Table => {
            let or_dash = |v: Option<&str>| v.unwrap_or("-").to_owned();
            writeln!(out, "source:      {}", cache.describe_source())?;
            writeln!(out, "gateway:     {}", cache.gateway())?;
            writeln!(
                out,
                "subject:     {}",
                or_dash(claims.and_then(|c| c.sub.as_deref()))
            )?;
            writeln!(
                out,
                "token id:    {}",
                or_dash(claims.and_then(|c| c.jti.as_deref()))
            )?;
            writeln!(
                out,
                "expires:     {} (in {}h{:02}m; {expiry_source})",
                iso8601(expires),
                remaining / 3600,
                remaining % 3600 / 60
            )?;
            writeln!(
                out,
                "refresh:     {}",
                if cache.can_refresh() {
                    "automatic, before expiry"
                } else {
                    "impossible (static token)"
                }
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds.
fn iso8601(secs: i64) -> String {
    format!("{}Z", qualys::model::LocalDateTime::from_unix(secs, 0))
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
        if shown == 0 {
            eprintln!("qualys: no keys match");
        }
        if let Some(total) = page.total_count.filter(|&t| t > shown) {
            eprintln!("qualys: showing {shown} of {total} keys; use --all to fetch every page");
        }
        return Ok(());
    }
    let mut pager = search.pages();
    let progress = Progress::new();
    loop {
        match pager.next_page().await {
            Ok(Some(page)) => {
                progress.page(page.content.len() as u64, pager.total_count());
                out.write_keys(&page.content)?;
            }
            Ok(None) => break,
            Err(e) => {
                progress.done();
                out.finish()?;
                let mut f = Failure::from(e);
                // Keys already went to stdout: the result is partial, whatever the cause.
                if pager.received() > 0 {
                    f.code = exit::TRUNCATED;
                }
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
    progress.done();
    out.finish()?;
    std::io::stdout().flush()?;
    match pager.completeness() {
        Some(Completeness::Truncated(t)) => Err(Failure::new(
            exit::TRUNCATED,
            format!("incomplete list: {t}"),
        )),
        _ => Ok(()),
    }
}

/// A progress bar on stderr while walking pages, only when stderr is a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {pos}/{len} keys, {msg} {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Self { bar }
    }

    fn page(&self, keys: u64, total: Option<u64>) {
        if let Some(bar) = &self.bar {
            if let Some(t) = total {
                bar.set_length(t);
            }
            bar.inc(keys);
            let pages = bar
                .message()
                .split(' ')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
                + 1;
            bar.set_message(format!("{pages} pages"));
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
