//! `qualys keys get|create|update|enable|disable|toggle|delete`.

use std::io::{BufRead, IsTerminal, Write};

use bytes::Bytes;
use qualys::{
    ActivationKey, Change, Client, CreateKeyRequest, Error, KeyState, LicenseCode, UpdateKeyRequest,
};

use crate::output::{Format, Writer};
use crate::{CreateArgs, Failure, IdArgs, KeysCommand, UpdateArgs, exit};

pub(crate) async fn run(
    client: &Client,
    command: KeysCommand,
    format: Format,
) -> Result<(), Failure> {
    let keys = client.activation_keys();
    match command {
        KeysCommand::List(_) => Ok(()),
        KeysCommand::Get { id } => {
            let key = keys.get(id).await?;
            print_key(&key, format)
        }
        KeysCommand::Create(args) => {
            let request = create_request(&args);
            if args.dry_run {
                return print_request(&keys.create_request(&request)?);
            }
            let key = keys.create(&request).await?;
            eprintln!("qualys: created activation key {}", key.id);
            print_key(&key, format)
        }
        KeysCommand::Update(args) => {
            let request = update_request(&args);
            if args.dry_run {
                return print_request(&keys.update_request(args.id, &request)?);
            }
            match keys.update(args.id, &request).await? {
                Some(key) => print_key(&key, format),
                None => {
                    eprintln!("qualys: updated activation key {}", args.id);
                    Ok(())
                }
            }
        }
        KeysCommand::Enable(target) => ensure(client, target, KeyState::Enabled, format).await,
        KeysCommand::Disable(target) => ensure(client, target, KeyState::Disabled, format).await,
        KeysCommand::Toggle(target) => {
            if target.dry_run {
                return print_request(&keys.toggle_request(target.id)?);
            }
            let state = keys.toggle(target.id).await?;
            print_state(target.id, state, true, format)
        }
        KeysCommand::Delete { target, yes } => {
            if target.dry_run {
                return print_request(&keys.delete_request(target.id)?);
            }
            if !yes {
                confirm_delete(client, target.id).await?;
            }
            keys.delete(target.id).await?;
            let mut out = std::io::stdout().lock();
            match format {
                Format::Table => writeln!(out, "deleted activation key {}", target.id)?,
                _ => writeln!(
                    out,
                    "{}",
                    serde_json::json!({"id": target.id, "deleted": true})
                )?,
            }
            Ok(())
        }
    }
}

fn create_request(args: &CreateArgs) -> CreateKeyRequest {
    let mut r = CreateKeyRequest::new(args.title.clone());
    if let Some(n) = args.network_id {
        r = r.network_id(n);
    }
    if let Some(d) = args.expire_date {
        r = r.expire_date(d);
    }
    if let Some(n) = args.max_agents {
        r = r.max_agents_allowed(n);
    }
    for l in &args.licenses {
        r = r.license(canonical(l));
    }
    for t in &args.tags {
        r = r.tag(*t);
    }
    r
}

fn update_request(args: &UpdateArgs) -> UpdateKeyRequest {
    let mut r = UpdateKeyRequest::new();
    if let Some(t) = &args.title {
        r = r.title(t.clone());
    }
    if let Some(n) = args.network_id {
        r = r.network_id(n);
    }
    if let Some(d) = args.expire_date {
        r = r.expire_date(d);
    }
    if args.no_expiry {
        r = r.remove_expire_date();
    }
    if let Some(n) = args.max_agents {
        r = r.max_agents_allowed(n);
    }
    if args.unlimited {
        r = r.unlimited_agents();
    }
    if args.apply_to_existing_agents {
        r = r.apply_to_existing_agents(true);
    }
    for l in &args.add_licenses {
        r = r.add_license(canonical(l));
    }
    for l in &args.remove_licenses {
        r = r.remove_license(canonical(l));
    }
    r
}

/// Strict writer: a known license code typed in any case is sent in the vendor's spelling.
fn canonical(code: &str) -> LicenseCode {
    LicenseCode::parse(code)
}

async fn ensure(
    client: &Client,
    target: IdArgs,
    wanted: KeyState,
    format: Format,
) -> Result<(), Failure> {
    let keys = client.activation_keys();
    if target.dry_run {
        // Reading is safe; only the toggle is withheld.
        if keys.needs_toggle(target.id, wanted).await?.is_none() {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "# activation key {} is already {}: nothing would be sent",
                target.id,
                state_word(wanted)
            )?;
            return Ok(());
        }
        return print_request(&keys.toggle_request(target.id)?);
    }
    let change = match wanted {
        KeyState::Enabled => keys.ensure_enabled(target.id).await?,
        KeyState::Disabled => keys.ensure_disabled(target.id).await?,
    };
    print_state(target.id, wanted, change == Change::Toggled, format)
}

fn state_word(state: KeyState) -> &'static str {
    match state {
        KeyState::Enabled => "enabled",
        KeyState::Disabled => "disabled",
    }
}

fn print_state(id: u64, state: KeyState, changed: bool, format: Format) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Table => {
            if changed {
                writeln!(out, "activation key {id} is now {}", state_word(state))?;
            } else {
                writeln!(out, "activation key {id} was already {}", state_word(state))?;
            }
        }
        _ => writeln!(
            out,
            "{}",
            serde_json::json!({"id": id, "state": state_word(state), "changed": changed})
        )?,
    }
    Ok(())
}

fn print_key(key: &ActivationKey, format: Format) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Json => {
            let text = serde_json::to_string_pretty(key)
                .map_err(|e| Failure::new(exit::OTHER, e.to_string()))?;
            writeln!(out, "{text}")?;
        }
        _ => {
            let mut w = Writer::new(format, out, stdout.is_terminal());
            w.write_keys(std::slice::from_ref(key))?;
            w.finish()?;
        }
    }
    Ok(())
}

/// `--dry-run`: the method, URL and JSON body of the request that would be sent.
fn print_request(request: &http::Request<Bytes>) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} {}", request.method(), request.uri())?;
    if let Some(ct) = request.headers().get(http::header::CONTENT_TYPE) {
        writeln!(out, "content-type: {}", ct.to_str().unwrap_or("?"))?;
    }
    if !request.body().is_empty() {
        // The exact bytes that would be sent.
        out.write_all(request.body())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Asks on a terminal; refuses when there is none to ask.
async fn confirm_delete(client: &Client, id: u64) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "refusing to delete activation key {id} without confirmation: not on a terminal; pass --yes"
            ),
        ));
    }
    let title = match client.activation_keys().get(id).await {
        Ok(k) => k.title.map(|t| format!(" \"{t}\"")).unwrap_or_default(),
        Err(e @ Error::Api(_)) => return Err(e.into()),
        Err(_) => String::new(),
    };
    eprint!("Delete activation key {id}{title}? This cannot be undone. [y/N] ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Failure::new(exit::USAGE, "not deleted"))
    }
}
