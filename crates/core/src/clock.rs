//! Where "now" comes from. The app is given a clock; tests use a fixed one they can
//! move, so embargo ends and due dates are tested without sleeping.

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

/// The source of the current instant.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<Timestamp>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock { fixed: None }
    }

    /// A clock that stands still at `at` until moved with [`Clock::advance`].
    pub fn fixed(at: Timestamp) -> Self {
        Clock {
            fixed: Some(Arc::new(Mutex::new(at))),
        }
    }

    /// The current instant, truncated to milliseconds (the store's resolution).
    pub fn now(&self) -> Timestamp {
        let now = match &self.fixed {
            Some(at) => *at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
            None => Timestamp::now(),
        };
        Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
    }

    /// Moves a fixed clock forward; does nothing to the system clock.
    pub fn advance(&self, by: SignedDuration) {
        if let Some(at) = &self.fixed {
            let mut at = at.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *at = at.checked_add(by).unwrap_or(*at);
        }
    }
}
