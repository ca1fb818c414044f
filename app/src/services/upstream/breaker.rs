//! A circuit breaker: after `threshold` faults in a row an upstream is left
//! alone for `pause`, then one trial call decides whether it is back.
use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { faults: u32 },
    Open { until: Instant },
    /// One trial call is under way.
    HalfOpen,
}

#[derive(Debug)]
pub struct Breaker {
    state: Mutex<State>,
    threshold: u32,
    pause: Duration,
}

impl Breaker {
    pub fn new(threshold: u32, pause: Duration) -> Breaker {
        Breaker { state: Mutex::new(State::Closed { faults: 0 }), threshold: threshold.max(1), pause }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a plain value: a panic elsewhere cannot leave it torn.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a call may go out now.
    pub fn allow(&self) -> bool {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= until => {
                *state = State::HalfOpen;
                true
            }
            State::Open { .. } | State::HalfOpen => false,
        }
    }

    pub fn record(&self, fault: bool) {
        let mut state = self.lock();
        *state = match (*state, fault) {
            (_, false) => State::Closed { faults: 0 },
            (State::Closed { faults }, true) if faults + 1 < self.threshold => State::Closed { faults: faults + 1 },
            (_, true) => State::Open { until: Instant::now() + self.pause },
        };
    }

    /// "closed", "open" or "half-open", for the admin view.
    pub fn describe(&self) -> &'static str {
        match *self.lock() {
            State::Closed { .. } => "closed",
            State::Open { until } if Instant::now() >= until => "half-open",
            State::Open { .. } => "open",
            State::HalfOpen => "half-open",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_and_retries_after_pause() {
        let breaker = Breaker::new(3, Duration::from_millis(30));
        for _ in 0..2 {
            assert!(breaker.allow());
            breaker.record(true);
        }
        assert_eq!(breaker.describe(), "closed");
        breaker.record(true);
        assert_eq!(breaker.describe(), "open");
        assert!(!breaker.allow());
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow(), "one trial after the pause");
        assert!(!breaker.allow(), "only one");
        breaker.record(true);
        assert!(!breaker.allow(), "the trial failed: open again");
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow());
        breaker.record(false);
        assert_eq!(breaker.describe(), "closed");
        assert!(breaker.allow());
    }

    #[test]
    fn a_success_resets_the_count() {
        let breaker = Breaker::new(2, Duration::from_secs(60));
        breaker.record(true);
        breaker.record(false);
        breaker.record(true);
        assert_eq!(breaker.describe(), "closed");
    }
}
