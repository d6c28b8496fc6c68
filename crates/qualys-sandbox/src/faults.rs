//! Fault injection: a plan of what to do instead of (or before) the normal answer, per route and
//! per call number.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// The routes a fault can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Route {
    /// `POST /auth/oidc`, `/auth/oauth`, `/auth`.
    Auth,
    /// `POST /caui/v1/activation-keys/manage`.
    Search,
    /// `GET …/manage/{id}`.
    Get,
    /// `POST …/manage/activation-key`.
    Create,
    /// `PATCH …/manage/activation-key/{id}`.
    Update,
    /// `PATCH …/manage/{id}`.
    Toggle,
    /// `DELETE …/manage/{id}`.
    Delete,
    /// Any route (counted across all routes).
    Any,
}

/// Which calls of a route a rule applies to (1-based, counted per route).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Calls {
    /// These call numbers.
    Nth(Vec<u64>),
    /// Every n-th call (n, 2n, 3n…).
    Every(u64),
    /// Calls `from` to `to`, inclusive.
    Range {
        /// First call.
        from: u64,
        /// Last call.
        to: u64,
    },
    /// Every call.
    All,
}

impl Calls {
    fn matches(&self, n: u64) -> bool {
        match self {
            Calls::Nth(list) => list.contains(&n),
            Calls::Every(k) => *k > 0 && n.is_multiple_of(*k),
            Calls::Range { from, to } => (*from..=*to).contains(&n),
            Calls::All => true,
        }
    }
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status, headers and body instead of the normal answer.
    Respond {
        /// HTTP status.
        status: u16,
        /// Response headers.
        #[serde(default)]
        headers: BTreeMap<String, String>,
        /// Body text.
        #[serde(default)]
        body: String,
        /// Body bytes, when they are not text (wins over `body`).
        #[serde(default)]
        body_bytes: Option<Vec<u8>>,
    },
    /// Wait before answering normally (the headers come late).
    DelayHeaders {
        /// Milliseconds.
        ms: u64,
    },
    /// Send the headers at once and the body late.
    DelayBody {
        /// Milliseconds.
        ms: u64,
    },
    /// Close the connection without answering.
    DropConnection,
    /// Send the headers and only the first `bytes` of the body, then close the connection.
    TruncateBody {
        /// Bytes of the body sent.
        bytes: usize,
    },
    /// Expire every token issued so far (answered `JWT expired`), then answer normally.
    ExpireTokens,
    /// Revoke every token issued so far (answered `Not authenticated`), then answer normally.
    RevokeTokens,
}

/// One rule: on these calls of this route, this fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultRule {
    /// The route.
    pub route: Route,
    /// Which of its calls.
    pub calls: Calls,
    /// What to do.
    pub fault: Fault,
}

impl FaultRule {
    /// A rule.
    pub fn new(route: Route, calls: Calls, fault: Fault) -> Self {
        Self {
            route,
            calls,
            fault,
        }
    }
}

/// A fault plan: the first rule matching a call applies.
///
/// From code, or from JSON (the binary's `--faults FILE`, or `QUALYS_SANDBOX_FAULTS`):
///
/// ```
/// use qualys_sandbox::{FaultPlan, Route, Calls, Fault};
/// let plan: FaultPlan = serde_json::from_str(r#"{"rules": [
///   {"route": "search", "calls": {"nth": [2]}, "fault": {"type": "respond", "status": 429,
///    "headers": {"X-RateLimit-ToWait-Sec": "1"}}},
///   {"route": "search", "calls": {"every": 5}, "fault": {"type": "drop_connection"}}
/// ]}"#).unwrap();
/// assert_eq!(plan.rules[1].fault, Fault::DropConnection);
/// let same = FaultPlan::new().rule(Route::Search, Calls::Every(5), Fault::DropConnection);
/// assert_eq!(same.rules[0], plan.rules[1]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultPlan {
    /// The rules, in order.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule.
    pub fn rule(mut self, route: Route, calls: Calls, fault: Fault) -> Self {
        self.rules.push(FaultRule::new(route, calls, fault));
        self
    }
}

/// Per-route call counters and the plan.
#[derive(Debug, Default)]
pub(crate) struct Injector {
    plan: FaultPlan,
    counters: [AtomicU64; 8],
}

impl Injector {
    pub fn new(plan: FaultPlan) -> Self {
        Self {
            plan,
            counters: Default::default(),
        }
    }

    /// Counts the call and returns the fault to apply, if any.
    pub fn next(&self, route: Route) -> Option<Fault> {
        let n = self.counters[route as usize].fetch_add(1, Ordering::Relaxed) + 1;
        let any = self.counters[Route::Any as usize].fetch_add(1, Ordering::Relaxed) + 1;
        self.plan
            .rules
            .iter()
            .find(|r| {
                (r.route == route && r.calls.matches(n))
                    || (r.route == Route::Any && r.calls.matches(any))
            })
            .map(|r| r.fault.clone())
    }
}
