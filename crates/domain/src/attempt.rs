//! Card payment attempts as a state machine. An attempt is written (state `sent`) before the
//! first byte goes to the terminal; what happens next can only move it along these arrows:
//!
//! ```text
//! sent ──► approved ──► reversed
//!   │ └──► declined        ▲
//!   │ └──► aborted         │
//!   └────► unknown ──► approved | reversed | declined
//! ```
//!
//! "Unknown" (a time-out, a lost connection, a crash) is a state, resolved by asking the
//! terminal — never by charging again, since an attempt is sent to the terminal once.

use crate::DomainError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AttemptKind {
    Authorization,
    Refund,
    /// Cancels an approved attempt (a sale abandoned after the card was charged).
    Reversal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AttemptState {
    Sent,
    Approved,
    Declined,
    Aborted,
    Unknown,
    Reversed,
}

impl AttemptKind {
    pub const ALL: [AttemptKind; 3] = [AttemptKind::Authorization, AttemptKind::Refund, AttemptKind::Reversal];

    pub fn name(&self) -> &'static str {
        match self {
            AttemptKind::Authorization => "authorization",
            AttemptKind::Refund => "refund",
            AttemptKind::Reversal => "reversal",
        }
    }

    pub fn from_name(name: &str) -> Option<AttemptKind> {
        AttemptKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl AttemptState {
    pub const ALL: [AttemptState; 6] = [
        AttemptState::Sent,
        AttemptState::Approved,
        AttemptState::Declined,
        AttemptState::Aborted,
        AttemptState::Unknown,
        AttemptState::Reversed,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            AttemptState::Sent => "sent",
            AttemptState::Approved => "approved",
            AttemptState::Declined => "declined",
            AttemptState::Aborted => "aborted",
            AttemptState::Unknown => "unknown",
            AttemptState::Reversed => "reversed",
        }
    }

    pub fn from_name(name: &str) -> Option<AttemptState> {
        AttemptState::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Still waiting for an answer: after a restart these are asked about first.
    pub fn is_unresolved(&self) -> bool {
        matches!(self, AttemptState::Sent | AttemptState::Unknown)
    }

    /// Whether an attempt in this state may move to `next` (see the module diagram).
    pub fn can_become(&self, next: AttemptState) -> bool {
        use AttemptState::*;
        matches!(
            (self, next),
            (Sent, Approved | Declined | Aborted | Unknown)
                | (Unknown, Approved | Reversed | Declined)
                | (Approved, Reversed)
        )
    }

    /// Checks a transition, naming both ends when it is not allowed.
    pub fn transition(&self, next: AttemptState) -> Result<AttemptState, DomainError> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(DomainError::InvalidState { state: self.name(), action: next.verb() })
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            AttemptState::Sent => "be sent again",
            AttemptState::Approved => "become approved",
            AttemptState::Declined => "become declined",
            AttemptState::Aborted => "become aborted",
            AttemptState::Unknown => "become unknown",
            AttemptState::Reversed => "become reversed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AttemptState::{self, *};

    #[test]
    fn only_the_documented_arrows_exist() {
        let allowed = [
            (Sent, Approved),
            (Sent, Declined),
            (Sent, Aborted),
            (Sent, Unknown),
            (Unknown, Approved),
            (Unknown, Reversed),
            (Unknown, Declined),
            (Approved, Reversed),
        ];
        for from in AttemptState::ALL {
            for to in AttemptState::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{} → {} must be {}",
                    from.name(),
                    to.name(),
                    if allowed.contains(&(from, to)) { "allowed" } else { "refused" }
                );
            }
        }
    }

    #[test]
    fn nothing_goes_back_to_sent_so_no_attempt_is_sent_twice() {
        for from in AttemptState::ALL {
            assert!(from.transition(Sent).is_err(), "{} → sent would send an attempt again", from.name());
        }
        assert!(Declined.transition(Approved).is_err(), "a declined payment never turns into money");
        assert!(Reversed.transition(Approved).is_err(), "a reversed payment stays reversed");
    }

    #[test]
    fn names_round_trip() {
        for s in AttemptState::ALL {
            assert_eq!(AttemptState::from_name(s.name()), Some(s));
        }
        for k in super::AttemptKind::ALL {
            assert_eq!(super::AttemptKind::from_name(k.name()), Some(k));
        }
    }
}
