//! The lease lifecycle, shared by the server (to decide) and the page (to
//! enable buttons):
//! active → code received → completed;
//! active → cancelled | expired | switched, each with a refund.
//! A lease that received a code is never refunded.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseState {
    Active,
    CodeReceived,
    Completed,
    Cancelled,
    Expired,
    Switched,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseEvent {
    CodeArrived,
    Cancel,
    /// A cancel that says the platform turned the number away.
    Refused,
    Switch,
    Expire,
    /// "Done": the customer has what they came for.
    Complete,
}

/// Where an event leads, and whether the fee goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub to: LeaseState,
    pub refund: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TransitionError {
    #[error("This number's lease has already ended.")]
    AlreadyEnded,
    #[error("A code has arrived, so this lease can no longer be cancelled or refunded.")]
    CodeAlreadyReceived,
    #[error("No code has arrived yet; cancel instead to get your fee back.")]
    NoCodeYet,
}

impl LeaseState {
    pub const ALL: [LeaseState; 6] = [
        LeaseState::Active,
        LeaseState::CodeReceived,
        LeaseState::Completed,
        LeaseState::Cancelled,
        LeaseState::Expired,
        LeaseState::Switched,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeaseState::Active => "active",
            LeaseState::CodeReceived => "code_received",
            LeaseState::Completed => "completed",
            LeaseState::Cancelled => "cancelled",
            LeaseState::Expired => "expired",
            LeaseState::Switched => "switched",
        }
    }

    pub fn parse(value: &str) -> Option<LeaseState> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            LeaseState::Active => "Waiting for the code",
            LeaseState::CodeReceived => "Code received",
            LeaseState::Completed => "Completed",
            LeaseState::Cancelled => "Cancelled, refunded",
            LeaseState::Expired => "Expired, refunded",
            LeaseState::Switched => "Switched",
        }
    }

    /// The number is still the customer's.
    pub fn is_open(self) -> bool {
        matches!(self, LeaseState::Active | LeaseState::CodeReceived)
    }

    pub fn transition(self, event: LeaseEvent) -> Result<Transition, TransitionError> {
        use LeaseEvent::*;
        use LeaseState::*;
        let go = |to, refund| Ok(Transition { to, refund });
        match (self, event) {
            (Active, CodeArrived) => go(CodeReceived, false),
            (Active, Cancel | Refused) => go(Cancelled, true),
            (Active, Switch) => go(Switched, true),
            (Active, Expire) => go(Expired, true),
            (Active, Complete) => Err(TransitionError::NoCodeYet),
            // Platforms resend; every SMS is kept while the lease is open.
            (CodeReceived, CodeArrived) => go(CodeReceived, false),
            (CodeReceived, Complete) | (CodeReceived, Expire) => go(Completed, false),
            (CodeReceived, Switch) => go(Switched, false),
            (CodeReceived, Cancel | Refused) => Err(TransitionError::CodeAlreadyReceived),
            (Completed | Cancelled | Expired | Switched, _) => Err(TransitionError::AlreadyEnded),
        }
    }

    /// Whether the page should offer the event's button.
    pub fn allows(self, event: LeaseEvent) -> bool {
        self.transition(event).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn event() -> impl Strategy<Value = LeaseEvent> {
        prop_oneof![
            Just(LeaseEvent::CodeArrived),
            Just(LeaseEvent::Cancel),
            Just(LeaseEvent::Refused),
            Just(LeaseEvent::Switch),
            Just(LeaseEvent::Expire),
            Just(LeaseEvent::Complete),
        ]
    }

    proptest! {
        /// Any interleaving of confirm-time events, retries included:
        /// exactly one final state, at most one refund, never one after a
        /// code, and a final state never changes again.
        #[test]
        fn every_lease_ends_once_with_at_most_one_refund(events in proptest::collection::vec(event(), 0..40)) {
            let mut state = LeaseState::Active;
            let mut refunds = 0;
            let mut code_seen = false;
            let mut ended_at: Option<(usize, LeaseState)> = None;
            for (i, e) in events.iter().enumerate() {
                if let Ok(t) = state.transition(*e) {
                    if t.refund {
                        refunds += 1;
                        prop_assert!(!code_seen, "refund after a code");
                    }
                    if *e == LeaseEvent::CodeArrived {
                        code_seen = true;
                    }
                    if let Some((_, final_state)) = ended_at {
                        prop_assert!(false, "{final_state:?} changed to {:?}", t.to);
                    }
                    state = t.to;
                    if !state.is_open() {
                        ended_at = Some((i, state));
                    }
                }
            }
            prop_assert!(refunds <= 1);
            if code_seen {
                prop_assert!(matches!(state, LeaseState::CodeReceived | LeaseState::Completed | LeaseState::Switched));
            }
            // Ending it now always works or it has ended already.
            let end = state.transition(LeaseEvent::Expire);
            prop_assert!(end.is_ok() != ended_at.is_some());
        }
    }

    #[test]
    fn names_round_trip() {
        for s in LeaseState::ALL {
            assert_eq!(LeaseState::parse(s.as_str()), Some(s));
        }
    }
}
