//! `qualys-bench`: measures the SDK against a minimal raw hyper client and against the sandbox's own
//! ceiling, the pager and the CLI on large lists, peak memory, a refresh storm and cold start.
//! Run it with `cargo xtask bench [--quick]`, which writes `docs/benchmarks.md`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as RawClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use qualys::auth::ManualClock;
use qualys::{Client, SearchPage};
use tokio::io::{AsyncBufReadExt, BufReader};

type Raw = RawClient<HttpConnector, Full<Bytes>>;

struct Args {
    quick: bool,
    sandbox_bin: PathBuf,
    qualys_bin: PathBuf,
    out: Option<PathBuf>,
    profile: String,
}

fn parse_args() -> Result<(String, Vec<String>), String> {
    let mut args = std::env::args().skip(1);
    let cmd = args.next().ok_or("usage: qualys-bench run|walk ...")?;
    Ok((cmd, args.collect()))
}

fn value(rest: &[String], flag: &str) -> Option<String> {
    rest.iter()
        .position(|a| a == flag)
        .and_then(|i| rest.get(i + 1).cloned())
}

#[tokio::main]
async fn main() {
    let (cmd, rest) = match parse_args() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    match cmd.as_str() {
        "walk" => walk_child(&rest).await,
        "loop" => {
            // For profilers: N sequential SDK searches against --url.
            let url = value(&rest, "--url").expect("--url");
            let n: usize = value(&rest, "--n")
                .and_then(|v| v.parse().ok())
                .unwrap_or(10_000);
            let client = sdk(&url);
            for _ in 0..n {
                client
                    .activation_keys()
                    .search()
                    .limit(50)
                    .send()
                    .await
                    .unwrap();
            }
        }
        "run" => {
            let args = Args {
                quick: rest.iter().any(|a| a == "--quick"),
                sandbox_bin: value(&rest, "--sandbox-bin")
                    .map(PathBuf::from)
                    .unwrap_or_default(),
                qualys_bin: value(&rest, "--qualys-bin")
                    .map(PathBuf::from)
                    .unwrap_or_default(),
                out: value(&rest, "--out").map(PathBuf::from),
                profile: value(&rest, "--profile").unwrap_or_else(|| "release".into()),
            };
            run(args).await;
        }
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    }
}

/// A sandbox in its own process, so its CPU and memory are not the client's.
struct SandboxProc {
    child: tokio::process::Child,
    url: String,
}

impl SandboxProc {
    async fn start(bin: &Path, keys: usize, max_page: u32) -> SandboxProc {
        let mut child = tokio::process::Command::new(bin)
            .args([
                "--keys",
                &keys.to_string(),
                "--max-page-size",
                &max_page.to_string(),
            ])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start the sandbox binary");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let mut url = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(u) = line.strip_prefix("qualys-sandbox listening on ") {
                url = u.trim().to_owned();
                break;
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        assert!(!url.is_empty(), "the sandbox did not start");
        SandboxProc { child, url }
    }
}

impl Drop for SandboxProc {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn sdk(url: &str) -> Client {
    Client::builder()
        .gateway_url(url)
        .client_credentials(
            qualys_sandbox::DEFAULT_CLIENT_ID,
            qualys_sandbox::DEFAULT_CLIENT_SECRET,
        )
        .build()
        .expect("client")
}

fn raw_client() -> Raw {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    RawClient::builder(TokioExecutor::new()).build(http)
}

async fn raw_token(raw: &Raw, url: &str) -> String {
    let req = http::Request::post(format!("{url}/auth/oidc"))
        .header("clientId", qualys_sandbox::DEFAULT_CLIENT_ID)
        .header("clientSecret", qualys_sandbox::DEFAULT_CLIENT_SECRET)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let resp = raw.request(req).await.unwrap();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap().trim().to_owned()
}

/// The minimal client: fixed bearer token, same request, gzip accepted and decoded like the SDK,
/// decoded into the same model type.
async fn raw_search(raw: &Raw, url: &str, auth: &http::HeaderValue, body: &Bytes) -> SearchPage {
    let req = http::Request::post(format!("{url}/caui/v1/activation-keys/manage"))
        .header(http::header::AUTHORIZATION, auth.clone())
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT_ENCODING, "gzip")
        .body(Full::new(body.clone()))
        .unwrap();
    let resp = raw.request(req).await.unwrap();
    let gz = resp.headers().get(http::header::CONTENT_ENCODING).is_some();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let bytes = if gz {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .unwrap();
        Bytes::from(out)
    } else {
        bytes
    };
    serde_json::from_slice(&bytes).unwrap()
}

#[derive(Clone, Copy, Default)]
struct Stats {
    p50: Duration,
    p99: Duration,
    per_sec: f64,
}

fn stats(mut lat: Vec<Duration>, wall: Duration) -> Stats {
    lat.sort();
    let at = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        per_sec: lat.len() as f64 / wall.as_secs_f64(),
    }
}

async fn measure<F, Fut>(n: usize, concurrency: usize, f: F) -> Stats
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let f = Arc::new(f);
    let per_task = n / concurrency;
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per_task);
                for _ in 0..per_task {
                    let t = Instant::now();
                    f().await;
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    stats(all, start.elapsed())
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// Peak resident memory of this process, from /proc (KiB).
fn peak_rss_kib_self() -> Option<u64> {
    peak_rss_kib(Path::new("/proc/self/status"))
}

fn peak_rss_kib(status: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(status).ok()?;
    text.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// Child mode: walk every key through the pager and report count, seconds and peak RSS.
async fn walk_child(rest: &[String]) {
    let url = value(rest, "--url").expect("--url");
    let limit: u32 = value(rest, "--limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(1000);
    let client = sdk(&url);
    let start = Instant::now();
    let mut pager = client.activation_keys().search().limit(limit).pages();
    let mut n = 0u64;
    while let Some(page) = pager.next_page().await.expect("page") {
        n += page.content.len() as u64;
    }
    let complete = pager.completeness().is_some_and(|c| c.is_complete());
    println!(
        "keys={n} secs={:.3} rss_kib={} complete={complete}",
        start.elapsed().as_secs_f64(),
        peak_rss_kib_self().unwrap_or(0)
    );
}

fn parse_kv(line: &str, key: &str) -> Option<String> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_owned))
}

/// Runs a command, sampling its peak RSS from /proc while it runs; returns (seconds, KiB).
async fn run_measured(cmd: &mut tokio::process::Command) -> (f64, u64, String) {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id().unwrap_or(0);
    let status = PathBuf::from(format!("/proc/{pid}/status"));
    let mut stdout = child.stdout.take().unwrap();
    let reader = tokio::spawn(async move {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0usize;
        loop {
            use tokio::io::AsyncReadExt;
            match stdout.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n;
                    if out.len() < 4096 {
                        out.extend_from_slice(&buf[..n.min(4096)]);
                    }
                }
            }
        }
        (total, String::from_utf8_lossy(&out).into_owned())
    });
    let mut peak = 0;
    let exit = loop {
        if let Some(kib) = peak_rss_kib(&status) {
            peak = peak.max(kib);
        }
        if let Ok(exit) = tokio::time::timeout(Duration::from_millis(5), child.wait()).await {
            break exit;
        }
    };
    assert!(
        exit.as_ref().is_ok_and(|s| s.success()),
        "the measured command failed: {exit:?}"
    );
    let (bytes, head) = reader.await.unwrap();
    assert!(bytes > 0, "the measured command printed nothing");
    (start.elapsed().as_secs_f64(), peak, head)
}

async fn run(args: Args) {
    let q = args.quick;
    let mut md = String::new();
    let mut line = |s: String| {
        println!("{s}");
        md.push_str(&s);
        md.push('\n');
    };
    let machine = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    line("# Benchmarks".into());
    line(String::new());
    line(format!(
        "Command: `cargo xtask bench{}` ({} build). Machine: {machine}, {cores} cores. Date: {}.",
        if q { " --quick" } else { "" },
        args.profile,
        qualys::model::LocalDateTime::from_unix(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            0
        )
    ));
    line(String::new());
    line("The sandbox runs as a separate process on loopback; every figure is measured side by side in this one run. The raw client is hyper-util's legacy client sending the same request with a fixed bearer token, accepting gzip like the SDK, and decoding into the same `SearchPage` type.".into());
    line(String::new());

    // 1. Per-request overhead.
    let small = SandboxProc::start(&args.sandbox_bin, 1_000, 1_000).await;
    let url = small.url.clone();
    let raw = raw_client();
    let token = raw_token(&raw, &url).await;
    let auth = http::HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    let body = Bytes::from_static(br#"{"limit":50}"#);
    let client = sdk(&url);
    let n_seq = if q { 200 } else { 3000 };
    let n_conc = if q { 640 } else { 12_800 };
    // Warm-up both.
    for _ in 0..(n_seq / 10).max(20) {
        raw_search(&raw, &url, &auth, &body).await;
        client
            .activation_keys()
            .search()
            .limit(50)
            .send()
            .await
            .unwrap();
    }
    let mut rows = Vec::new();
    for (label, n, conc) in [
        ("sequential", n_seq, 1usize),
        ("64 concurrent", n_conc, 64usize),
    ] {
        let (r, a, u, b) = (raw.clone(), auth.clone(), url.clone(), body.clone());
        let raw_stats = measure(n, conc, move || {
            let (r, a, u, b) = (r.clone(), a.clone(), u.clone(), b.clone());
            async move {
                raw_search(&r, &u, &a, &b).await;
            }
        })
        .await;
        let c = client.clone();
        let sdk_stats = measure(n, conc, move || {
            let c = c.clone();
            async move {
                c.activation_keys().search().limit(50).send().await.unwrap();
            }
        })
        .await;
        rows.push((label, raw_stats, sdk_stats));
    }
    line("## 1. Per-request overhead (search, 50 keys per page)".into());
    line(String::new());
    line("| mode | raw p50 | raw p99 | SDK p50 | SDK p99 | ratio p50 (goal ≤ 1.05) | raw req/s | SDK req/s |".into());
    line("|---|---|---|---|---|---|---|---|".into());
    for (label, r, s) in &rows {
        line(format!(
            "| {label} | {} | {} | {} | {} | **{:.3}** | {:.0} | {:.0} |",
            ms(r.p50),
            ms(r.p99),
            ms(s.p50),
            ms(s.p99),
            s.p50.as_secs_f64() / r.p50.as_secs_f64(),
            r.per_sec,
            s.per_sec
        ));
    }
    line(String::new());
    line(format!(
        "Sandbox ceiling (raw client, 64 concurrent): **{:.0} requests/s** — the limit every other figure is bounded by.",
        rows[1].1.per_sec
    ));
    line(String::new());

    // 4. Refresh storm (same small sandbox).
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let storm_client = Client::builder()
        .gateway_url(&url)
        .client_credentials(
            qualys_sandbox::DEFAULT_CLIENT_ID,
            qualys_sandbox::DEFAULT_CLIENT_SECRET,
        )
        .clock(clock.clone())
        .build()
        .unwrap();
    storm_client
        .activation_keys()
        .search()
        .limit(1)
        .send()
        .await
        .unwrap();
    let calls = if q { 200 } else { 1000 };
    // Warm the pool to the storm's concurrency first, so neither run pays for new connections.
    {
        let c = storm_client.clone();
        measure(calls, calls, move || {
            let c = c.clone();
            async move {
                c.activation_keys().search().limit(1).send().await.unwrap();
            }
        })
        .await;
    }
    let baseline = {
        let c = storm_client.clone();
        measure(calls, calls, move || {
            let c = c.clone();
            async move {
                c.activation_keys().search().limit(1).send().await.unwrap();
            }
        })
        .await
    };
    let before = storm_client.token_cache().fetch_count();
    let exp = storm_client.token_cache().peek().unwrap().expires_at();
    clock.set(exp - Duration::from_secs(200));
    let storm = {
        let c = storm_client.clone();
        measure(calls, calls, move || {
            let c = c.clone();
            async move {
                c.activation_keys().search().limit(1).send().await.unwrap();
            }
        })
        .await
    };
    let fetches = storm_client.token_cache().fetch_count() - before;
    line(format!(
        "## 4. Refresh storm ({calls} concurrent calls past the refresh point)"
    ));
    line(String::new());
    line("| | p50 | p99 | token fetches (goal: exactly 1) |".into());
    line("|---|---|---|---|".into());
    line(format!(
        "| no refresh (baseline) | {} | {} | 0 |",
        ms(baseline.p50),
        ms(baseline.p99)
    ));
    line(format!(
        "| refresh due | {} | {} | **{fetches}** |",
        ms(storm.p50),
        ms(storm.p99)
    ));
    line(format!(
        "\nAdded latency at p50: {:+.3} ms (one token fetch shared by all {calls} calls).\n",
        (storm.p50.as_secs_f64() - baseline.p50.as_secs_f64()) * 1000.0
    ));
    drop(small);

    // 2 and 3. Walking large lists; memory.
    let sizes: Vec<usize> = if q {
        vec![10_000, 50_000]
    } else {
        vec![100_000, 1_000_000]
    };
    line("## 2 and 3. Walking a large list; peak memory".into());
    line(String::new());
    line("| keys | raw pages walk | SDK pager (items/s) | SDK pager peak RSS | CLI `--all -o ndjson` | CLI peak RSS |".into());
    line("|---|---|---|---|---|---|".into());
    let me = std::env::current_exe().unwrap();
    for &n in &sizes {
        let big = SandboxProc::start(&args.sandbox_bin, n - 5, 1_000).await;
        // Raw client walking the same pages.
        let raw = raw_client();
        let token = raw_token(&raw, &big.url).await;
        let auth = http::HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
        let start = Instant::now();
        let mut got = 0usize;
        for page in 0.. {
            let body = Bytes::from(format!(r#"{{"limit":1000,"pageNumber":{page}}}"#));
            let p = raw_search(&raw, &big.url, &auth, &body).await;
            if p.content.is_empty() {
                break;
            }
            got += p.content.len();
            if got >= n {
                break;
            }
        }
        let raw_secs = start.elapsed().as_secs_f64();
        let (secs, rss, out) = run_measured(
            tokio::process::Command::new(&me).args(["walk", "--url", &big.url, "--limit", "1000"]),
        )
        .await;
        let keys = parse_kv(&out, "keys").unwrap_or_default();
        let child_rss: u64 = parse_kv(&out, "rss_kib")
            .and_then(|r| r.parse().ok())
            .unwrap_or(rss);
        let child_secs: f64 = parse_kv(&out, "secs")
            .and_then(|r| r.parse().ok())
            .unwrap_or(secs);
        assert_eq!(keys, n.to_string(), "the pager walked {keys} of {n} keys");
        let (cli_secs, cli_rss, _) = run_measured(
            tokio::process::Command::new(&args.qualys_bin)
                .args(["keys", "list", "--all", "--limit", "1000", "-o", "ndjson"])
                .env("QUALYS_GATEWAY_URL", &big.url)
                .env("QUALYS_CLIENT_ID", qualys_sandbox::DEFAULT_CLIENT_ID)
                .env(
                    "QUALYS_CLIENT_SECRET",
                    qualys_sandbox::DEFAULT_CLIENT_SECRET,
                )
                .env("XDG_CONFIG_HOME", "/nonexistent"),
        )
        .await;
        line(format!(
            "| {n} | {:.0} keys/s | {:.0} keys/s ({:.2}× raw) | {:.1} MiB | {:.2} s ({:.0} keys/s) | {:.1} MiB |",
            n as f64 / raw_secs,
            n as f64 / child_secs,
            raw_secs / child_secs,
            child_rss as f64 / 1024.0,
            cli_secs,
            n as f64 / cli_secs,
            cli_rss as f64 / 1024.0
        ));
        drop(big);
    }
    line(String::new());
    line("Goal: peak memory under 64 MiB and independent of the number of keys (compare the two rows).".into());
    line(String::new());

    // 5. Cold start.
    let runs = if q { 3 } else { 15 };
    let mut version = Vec::new();
    let mut sandbox_list = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let _ = tokio::process::Command::new(&args.qualys_bin)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .await;
        version.push(t.elapsed());
        let t = Instant::now();
        let _ = tokio::process::Command::new(&args.qualys_bin)
            .args(["--sandbox", "keys", "list"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        sandbox_list.push(t.elapsed());
    }
    version.sort();
    sandbox_list.sort();
    line("## 5. Cold start (median wall time)".into());
    line(String::new());
    line("| command | median |".into());
    line("|---|---|".into());
    line(format!(
        "| `qualys --version` | {} |",
        ms(version[version.len() / 2])
    ));
    line(format!(
        "| `qualys --sandbox keys list` | {} |",
        ms(sandbox_list[sandbox_list.len() / 2])
    ));
    line(String::new());
    if let Some(out) = &args.out {
        let mut text = md.clone();
        if let Ok(notes) = std::fs::read_to_string(out.with_file_name("benchmarks-notes.md")) {
            text.push_str(&notes);
        }
        std::fs::write(out, text).expect("write the report");
        eprintln!("qualys-bench: wrote {}", out.display());
    }
}
