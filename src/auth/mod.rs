//! Authentication — the course's last chapter in one room: password hashing,
//! sessions, CSRF, login throttling and the `authenticated()` gate.

pub mod csrf;
pub mod gate;
pub mod password;
pub mod session;
pub mod throttle;

use std::sync::Arc;

use tokio::sync::Semaphore;

pub use gate::{Admin, authenticated};

/// Runs Argon2 off the async executor, at most one hash per core at a time:
/// a burst of logins then queues instead of starving page requests or using
/// 19 MiB of memory per concurrent attempt without bound.
#[derive(Clone)]
pub struct Passwords {
    turns: Arc<Semaphore>,
}

impl Default for Passwords {
    fn default() -> Self {
        return_big_blocks_to_the_system();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Passwords {
            turns: Arc::new(Semaphore::new(cores)),
        }
    }
}

/// Each Argon2 hash needs a 19 MiB block. glibc's allocator raises its
/// mmap threshold after the first such block is freed and from then on
/// serves them from per-thread heaps that it seldom gives back: 64 logins
/// in a row left 800 MB resident (`bench/run`). A fixed threshold keeps
/// every block of 4 MiB or more its own mapping, returned when freed, so a
/// burst of logins costs about (hashing threads × 19 MiB) while it lasts.
fn return_big_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes an allocator setting; it is
            // called once, before any hash is computed.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
            }
        });
    }
}

impl Passwords {
    pub async fn hash(&self, password: String) -> String {
        self.run(move || password::hash(&password)).await
    }

    /// Verifies against `stored`, or against a dummy hash when there is no
    /// such user, so both answers take the same time.
    pub async fn verify(&self, stored: Option<String>, password: String) -> password::Verdict {
        self.run(move || match stored {
            Some(stored) => password::verify(&stored, &password),
            None => {
                password::verify(password::dummy_hash(), &password);
                password::Verdict::Wrong
            }
        })
        .await
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> T {
        // The semaphore is never closed, and a panic in argon2 is a bug worth
        // surfacing as one, so both expects state invariants.
        let _turn = self
            .turns
            .acquire()
            .await
            .expect("password semaphore is never closed");
        tokio::task::spawn_blocking(work)
            .await
            .expect("password hashing panicked")
    }
}
