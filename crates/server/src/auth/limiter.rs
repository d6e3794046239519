//! Per-source limit on failed credential checks: after `allowed` failures within
//! `window`, the source is refused for `block` without its credentials being checked.
//! In memory and per process: good enough to stop guessing from one address; a
//! deployment with many servers also rate-limits at its load balancer.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Sources tracked before stale entries are swept, bounding memory under a spray.
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
pub struct FailureLimiter {
    allowed: u32,
    window: Duration,
    block: Duration,
    sources: Mutex<HashMap<IpAddr, SourceState>>,
}

#[derive(Debug, Clone, Copy)]
struct SourceState {
    window_start: Instant,
    failures: u32,
    blocked_until: Option<Instant>,
}

impl FailureLimiter {
    pub fn new(allowed: u32, window: Duration, block: Duration) -> Self {
        Self { allowed, window, block, sources: Mutex::new(HashMap::new()) }
    }

    /// How much longer `ip` is refused, if it is.
    pub fn blocked_for(&self, ip: IpAddr) -> Option<Duration> {
        self.blocked_for_at(ip, Instant::now())
    }

    pub fn record_failure(&self, ip: IpAddr) {
        self.record_failure_at(ip, Instant::now());
    }

    fn blocked_for_at(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let sources = self.sources.lock().expect("limiter lock");
        let until = sources.get(&ip)?.blocked_until?;
        (until > now).then(|| until - now)
    }

    fn record_failure_at(&self, ip: IpAddr, now: Instant) {
        let mut sources = self.sources.lock().expect("limiter lock");
        if sources.len() >= SWEEP_AT {
            let (window, block) = (self.window, self.block);
            sources.retain(|_, s| {
                now.duration_since(s.window_start) < window.max(block) || s.blocked_until.is_some_and(|u| u > now)
            });
        }
        let state = sources.entry(ip).or_insert(SourceState { window_start: now, failures: 0, blocked_until: None });
        if now.duration_since(state.window_start) >= self.window {
            *state = SourceState { window_start: now, failures: 0, blocked_until: state.blocked_until };
        }
        state.failures += 1;
        if state.failures >= self.allowed {
            state.blocked_until = Some(now + self.block);
            state.failures = 0;
            state.window_start = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_allowed_failures_and_releases_later() {
        let l = FailureLimiter::new(3, Duration::from_secs(60), Duration::from_secs(300));
        let ip: IpAddr = "10.1.2.3".parse().unwrap();
        let other: IpAddr = "10.1.2.4".parse().unwrap();
        let t0 = Instant::now();
        l.record_failure_at(ip, t0);
        l.record_failure_at(ip, t0 + Duration::from_secs(1));
        assert_eq!(l.blocked_for_at(ip, t0 + Duration::from_secs(2)), None);
        l.record_failure_at(ip, t0 + Duration::from_secs(2));
        assert_eq!(l.blocked_for_at(ip, t0 + Duration::from_secs(2)), Some(Duration::from_secs(300)));
        assert_eq!(l.blocked_for_at(other, t0 + Duration::from_secs(2)), None, "other sources unaffected");
        assert_eq!(l.blocked_for_at(ip, t0 + Duration::from_secs(303)), None);
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let l = FailureLimiter::new(2, Duration::from_secs(60), Duration::from_secs(300));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        l.record_failure_at(ip, t0);
        l.record_failure_at(ip, t0 + Duration::from_secs(61));
        assert_eq!(l.blocked_for_at(ip, t0 + Duration::from_secs(61)), None);
    }
}
