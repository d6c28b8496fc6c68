//! Output formats: a table for people, JSON / NDJSON for programs.

use std::io::{self, Write};

use clap::ValueEnum;
use comfy_table::{ColumnConstraint, ContentArrangement, Table, presets};
use qualys::ActivationKey;
use qualys::model::{AgentLimit, Expiry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table sized to the terminal.
    Table,
    /// A JSON array of keys with the vendor's field names and values.
    Json,
    /// One JSON key per line, streamed page by page.
    Ndjson,
    /// Comma-separated values with a header row (the vendor's field names; licenses joined by `;`).
    Csv,
}

/// Writes keys as they arrive. JSON and NDJSON stream; the table is printed at the end.
pub struct Writer<W: Write> {
    format: Format,
    out: W,
    csv_header: bool,
    terminal: bool,
    rows: Vec<[String; 7]>,
    written: u64,
}

impl<W: Write> Writer<W> {
    pub fn new(format: Format, out: W, terminal: bool) -> Self {
        Self {
            format,
            out,
            csv_header: false,
            terminal,
            rows: Vec::new(),
            written: 0,
        }
    }

    pub fn write_keys(&mut self, keys: &[ActivationKey]) -> io::Result<()> {
        for key in keys {
            match self.format {
                Format::Table => self.rows.push(row(key)),
                Format::Ndjson => {
                    serde_json::to_writer(&mut self.out, key)?;
                    self.out.write_all(b"\n")?;
                }
                Format::Csv => {
                    if !self.csv_header {
                        self.out.write_all(&csv_line(CSV_HEADER.iter().copied())?)?;
                        self.csv_header = true;
                    }
                    let row = csv_row(key);
                    self.out
                        .write_all(&csv_line(row.iter().map(String::as_str))?)?;
                }
                Format::Json => {
                    self.out
                        .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                    let pretty = serde_json::to_string_pretty(key)?;
                    for (i, line) in pretty.lines().enumerate() {
                        if i > 0 {
                            self.out.write_all(b"\n")?;
                        }
                        self.out.write_all(b"  ")?;
                        self.out.write_all(line.as_bytes())?;
                    }
                }
            }
            self.written += 1;
        }
        if self.format != Format::Table {
            self.out.flush()?;
        }
        Ok(())
    }

    pub fn finish(&mut self) -> io::Result<()> {
        match self.format {
            Format::Json if self.written == 0 => self.out.write_all(b"[]\n")?,
            Format::Json => self.out.write_all(b"\n]\n")?,
            Format::Ndjson => {}
            Format::Csv if !self.csv_header => {
                self.out.write_all(&csv_line(CSV_HEADER.iter().copied())?)?;
            }
            Format::Csv => {}
            Format::Table => {
                let mut table = Table::new();
                table
                    .load_style(presets::NOTHING)
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_header([
                        "ID",
                        "TITLE",
                        "ACTIVATION KEY",
                        "AGENTS",
                        "STATUS",
                        "EXPIRES",
                        "LICENSES",
                    ]);
                if !self.terminal {
                    table.force_no_tty();
                }
                // Ids and activation keys are copied by people: never wrap them.
                for i in [0, 2] {
                    if let Some(col) = table.column_mut(i) {
                        col.set_constraint(ColumnConstraint::ContentWidth);
                    }
                }
                table.add_rows(self.rows.drain(..));
                writeln!(self.out, "{}", table.trim_fmt())?;
            }
        }
        self.out.flush()
    }
}

fn row(key: &ActivationKey) -> [String; 7] {
    let limit = match key.agent_limit() {
        Some(AgentLimit::Unlimited) => "unlimited".to_owned(),
        Some(AgentLimit::Limited(n)) => n.to_string(),
        None => "?".to_owned(),
    };
    let used = key
        .count_used
        .map(|n| n.to_string())
        .unwrap_or_else(|| "?".into());
    [
        key.id.to_string(),
        key.title.clone().unwrap_or_default(),
        key.activation_key.clone().unwrap_or_default(),
        format!("{used} / {limit}"),
        match key.is_disabled {
            Some(true) => "disabled".into(),
            Some(false) => "enabled".into(),
            None => "?".into(),
        },
        match &key.expire_date {
            Some(Expiry::Never) => "never".into(),
            None => "-".into(),
            Some(Expiry::On(d)) => d.to_string(),
            Some(_) => "?".into(),
        },
        key.licenses
            .iter()
            .flatten()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    ]
}

const CSV_HEADER: [&str; 14] = [
    "id",
    "title",
    "activationKey",
    "networkId",
    "countUsed",
    "countPurchased",
    "datePurchased",
    "firstName",
    "lastName",
    "userName",
    "keyType",
    "isDisabled",
    "expireDate",
    "licenses",
];

/// One CSV row: the vendor's values as text, absent fields empty; licenses in a last column.
fn csv_row(key: &ActivationKey) -> Vec<String> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    vec![
        key.id.to_string(),
        opt(key.title.clone()),
        opt(key.activation_key.clone()),
        opt(key.network_id.map(|n| n.to_string())),
        opt(key.count_used.map(|n| n.to_string())),
        opt(key.count_purchased.map(|n| n.to_string())),
        opt(key.date_purchased.as_ref().map(|d| d.to_string())),
        opt(key.first_name.clone()),
        opt(key.last_name.clone()),
        opt(key.user_name.clone()),
        opt(key.key_type.as_ref().map(|k| k.as_str().to_owned())),
        opt(key.is_disabled.map(|b| b.to_string())),
        match &key.expire_date {
            Some(Expiry::On(d)) => d.to_string(),
            _ => String::new(),
        },
        key.licenses
            .iter()
            .flatten()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(";"),
    ]
}

/// One CSV record with RFC 4180 quoting.
fn csv_line<'a>(fields: impl Iterator<Item = &'a str>) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}
