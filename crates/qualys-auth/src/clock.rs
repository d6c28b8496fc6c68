//! Injected wall-clock time, so the token cache can be tested without waiting.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// A source of the current wall-clock time.
///
/// Token expiry (`exp`) is wall-clock time, so the cache asks a `Clock` rather than
/// `SystemTime::now()` directly; tests pass a [`ManualClock`].
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The real system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to. For tests.
///
/// ```
/// use qualys_auth::{Clock, ManualClock};
/// use std::time::{Duration, SystemTime};
/// let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now(), SystemTime::UNIX_EPOCH + Duration::from_secs(60));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<SystemTime>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }

    /// Sets the clock.
    pub fn set(&self, to: SystemTime) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Wall-clock time that follows tokio's clock: it starts at the system time and then advances with
/// `tokio::time`, so tests under `#[tokio::test(start_paused = true)]` can move hours in an instant.
///
/// ```
/// use qualys_auth::{Clock, TokioClock};
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let clock = TokioClock::new();
/// let t0 = clock.now();
/// tokio::time::advance(std::time::Duration::from_secs(4 * 3600)).await;
/// assert_eq!(clock.now().duration_since(t0).unwrap().as_secs(), 4 * 3600);
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    wall: SystemTime,
    instant: tokio::time::Instant,
}

impl TokioClock {
    /// Anchors the clock at the current system time. Needs a tokio runtime.
    pub fn new() -> Self {
        Self {
            wall: SystemTime::now(),
            instant: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> SystemTime {
        self.wall + self.instant.elapsed()
    }
}
