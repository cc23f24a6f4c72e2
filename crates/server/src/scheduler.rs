//! The scheduler: every so often, the one process that holds the scheduler's lock
//! (PostgreSQL advisory lock; on SQLite the only process) does what the cases are
//! owed now (`Store::run_schedule`): embargoes ending at their public date, reminders,
//! status updates, nudges. Time is the app's clock.

use std::time::Duration;

use crate::App;

/// Runs until the process ends. A run that fails is logged and tried again later.
pub async fn run(app: App, every: Duration, nudge_after_days: i64) {
    let mut lock = None;
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if lock.is_none() {
            match app.store().scheduler_lock().await {
                Ok(got) => lock = got,
                Err(e) => {
                    tracing::warn!("scheduler: cannot ask for the scheduler's lock: {e}");
                    continue;
                }
            }
        }
        if lock.is_none() {
            // Another replica schedules; this one only serves.
            continue;
        }
        match app.store().run_schedule(app.clock().now(), nudge_after_days).await {
            Ok(report) if report != Default::default() => tracing::info!(?report, "scheduler run"),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("scheduler run failed: {e}");
                // The lock's connection may be what failed: ask again next time.
                lock = None;
            }
        }
    }
}
