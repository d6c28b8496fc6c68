//! Turning error bodies and error chains into one line a person can act on. Shared by the token
//! sources and the transport.

/// Reads a message and a vendor code from an error body: Spring-style JSON `{status,error,message}`,
/// `{errorCode,message}`, XML `SIMPLE_RETURN`, an HTML page's `<title>`, or a single-line snippet of
/// at most 200 characters of other text. `(None, None)` for an empty body.
///
/// ```
/// use qualys_auth::diagnostics::describe_body;
/// assert_eq!(
///     describe_body(br#"{"ServiceResponse":{"responseCode":"INVALID_REQUEST","responseErrorDetails":{"errorMessage":"bad id"}}}"#),
///     (Some("bad id".into()), Some("INVALID_REQUEST".into()))
/// );
/// assert_eq!(
///     describe_body(br#"{"status":401,"error":"Unauthorized","message":"JWT expired"}"#),
///     (Some("JWT expired".into()), None)
/// );
/// assert_eq!(
///     describe_body(b"<html><head><title>503 Service Unavailable</title></head></html>"),
///     (Some("HTML page \"503 Service Unavailable\"".into()), None)
/// );
/// ```
pub fn describe_body(body: &[u8]) -> (Option<String>, Option<String>) {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return (None, None);
    }
    if let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(text) {
        let s = |k: &str| {
            obj.get(k).and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        // QPS REST: {"ServiceResponse":{"responseCode":"…","responseErrorDetails":{"errorMessage":"…"}}}
        if let Some(sr) = obj.get("ServiceResponse").and_then(|v| v.as_object()) {
            let code = sr
                .get("responseCode")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            let message = sr
                .get("responseErrorDetails")
                .and_then(|d| d.get("errorMessage"))
                .and_then(|m| m.as_str())
                .map(str::to_owned);
            if code.is_some() || message.is_some() {
                return (message.or_else(|| code.clone()), code);
            }
        }
        let message = s("message").or_else(|| s("error"));
        let code = s("errorCode").or_else(|| s("code"));
        return (message.or_else(|| Some(one_line(text))), code);
    }
    // Lower-casing ASCII keeps byte offsets, so positions found in `lower` index `text`.
    let lower = text.to_ascii_lowercase();
    let between = |open: &str, close: &str| -> Option<String> {
        let start = lower.find(open)? + open.len();
        let end = lower[start..].find(close)? + start;
        Some(text.get(start..end)?.trim().to_owned())
    };
    if lower.contains("<simple_return") {
        return (between("<text>", "</text>"), between("<code>", "</code>"));
    }
    if lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || lower.contains("<title>")
    {
        let title = between("<title>", "</title>").unwrap_or_else(|| "untitled".into());
        return (Some(format!("HTML page \"{title}\"")), None);
    }
    (Some(one_line(text)), None)
}

fn one_line(text: &str) -> String {
    const MAX: usize = 200;
    let joined: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > MAX {
        let cut: String = joined.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// An error and its sources on one line, without repeating a cause already in the text.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}
