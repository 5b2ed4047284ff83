//! Automatic backups while serving: at start when the newest is older than
//! the interval, then on the interval; each one written off the executor,
//! its outcome kept for `/admin` and logged.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Kind;
use crate::clock;
use crate::db::Db;
use crate::domain::records::{BackupFile, BackupOutcome};

/// After a failed backup, the next try comes this soon at the latest.
const RETRY_AFTER: Duration = Duration::from_secs(15 * 60);
/// How long `/admin` may go on showing the newest backup it read from the
/// folder: reading a folder, off the executor, cost more than the rest of
/// the page. This run's own backups are seen at once.
const LISTING_FRESH_FOR: Duration = Duration::from_secs(2);

/// Where backups go, how often and how many are kept, and how the last
/// automatic one went.
pub struct Schedule {
    pub dir: PathBuf,
    /// `None`: no automatic backups.
    pub every: Option<Duration>,
    pub keep: usize,
    last: Mutex<Option<BackupOutcome>>,
    /// When the folder was last read, and the newest backup found then.
    newest_seen: Mutex<Option<(Instant, Option<i64>)>>,
}

impl Schedule {
    pub fn new(dir: PathBuf, every: Option<Duration>, keep: usize) -> Schedule {
        Schedule {
            dir,
            every,
            keep,
            last: Mutex::new(None),
            newest_seen: Mutex::new(None),
        }
    }

    /// How the last automatic (or "Back up now") backup of this run went.
    pub fn last(&self) -> Option<BackupOutcome> {
        self.last.lock().map(|l| l.clone()).unwrap_or(None)
    }

    fn record(&self, outcome: BackupOutcome) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some(outcome);
        }
    }

    /// True when the newest backup (taken at `newest`) is older than two
    /// intervals, or there is none although there should be by now.
    pub fn overdue(&self, newest: Option<i64>, started_at: i64) -> bool {
        let Some(every) = self.every else {
            return false;
        };
        let limit = 2 * every.as_secs() as i64;
        clock::now() - newest.unwrap_or(started_at) > limit
    }

    /// Writes one backup now and keeps the newest N; records and logs the
    /// outcome. Blocking: call it off the executor.
    pub fn back_up_now(&self, db: &Db) -> Result<BackupFile, String> {
        let written = super::write(db, &self.dir, Kind::Regular)
            .and_then(|file| super::prune(&self.dir, self.keep).map(|()| file));
        if let Ok(mut seen) = self.newest_seen.lock() {
            *seen = None;
        }
        match &written {
            Ok(file) => {
                tracing::error!("backup: wrote {}", self.dir.join(&file.name).display());
                self.record(BackupOutcome::Written { at: file.taken_at });
            }
            Err(reason) => {
                tracing::error!("error: backup into {} failed: {reason}", self.dir.display());
                self.record(BackupOutcome::Failed {
                    at: clock::now(),
                    reason: reason.clone(),
                });
            }
        }
        written
    }

    /// [`Self::newest`] as read at most [`LISTING_FRESH_FOR`] ago, for the
    /// page every admin opens first.
    pub async fn newest_recently(self: &Arc<Self>) -> Option<i64> {
        let seen = self.newest_seen.lock().ok().and_then(|seen| *seen);
        if let Some((read_at, newest)) = seen
            && read_at.elapsed() < LISTING_FRESH_FOR
        {
            return newest;
        }
        let schedule = Arc::clone(self);
        let newest = tokio::task::spawn_blocking(move || schedule.newest())
            .await
            .unwrap_or(None);
        if let Ok(mut seen) = self.newest_seen.lock() {
            *seen = Some((Instant::now(), newest));
        }
        newest
    }

    /// The newest regular backup's time, if any.
    /// Reads only the folder's names.
    pub fn newest(&self) -> Option<i64> {
        std::fs::read_dir(&self.dir)
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|entry| super::parse_name(entry.file_name().to_str()?))
            .filter(|(_, kind)| *kind == Kind::Regular)
            .map(|(at, _)| at)
            .max()
    }
}

/// Runs the schedule until the task is dropped: each backup on a blocking
/// thread, so the executor never waits for the disk.
pub async fn run_schedule(db: Db, schedule: Arc<Schedule>) {
    let Some(every) = schedule.every else {
        return;
    };
    loop {
        let check = Arc::clone(&schedule);
        let newest = tokio::task::spawn_blocking(move || check.newest())
            .await
            .unwrap_or(None);
        let due_in = newest.map_or(Duration::ZERO, |at| {
            let age = Duration::from_secs(u64::try_from(clock::now() - at).unwrap_or(0));
            every.saturating_sub(age)
        });
        if !due_in.is_zero() {
            tokio::time::sleep(due_in).await;
            continue;
        }
        let (run_db, run) = (db.clone(), Arc::clone(&schedule));
        let written = tokio::task::spawn_blocking(move || run.back_up_now(&run_db))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        let pause = if written.is_ok() {
            every
        } else {
            every.min(RETRY_AFTER)
        };
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_is_overdue_after_two_intervals_and_never_when_backups_are_off() {
        let hourly = Schedule::new("b".into(), Some(Duration::from_secs(3600)), 14);
        let now = clock::now();
        assert!(!hourly.overdue(Some(now - 7000), now));
        assert!(hourly.overdue(Some(now - 7300), now));
        assert!(!hourly.overdue(None, now - 60), "none yet, just started");
        assert!(hourly.overdue(None, now - 7300), "none for two intervals");
        let off = Schedule::new("b".into(), None, 14);
        assert!(!off.overdue(Some(0), 0));
    }
}
