//! The threads that hash passwords, so that Argon2 never runs on the async
//! executor.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex, mpsc};

use super::Verdict;

type Job = Box<dyn FnOnce() + Send>;

/// Runs Argon2 off the async executor on its own threads, one per core, so
/// at most that many hashes run at once: a burst of logins queues instead of
/// using 19 MiB of memory per attempt without bound. On Linux those threads
/// run at a lower priority (nice 10) than the ones serving pages, so that a
/// burst of logins cannot starve the catalogue (`bench/run`: 64 logins at
/// once); hashing still gets every cycle the pages leave.
#[derive(Clone)]
pub struct Passwords {
    jobs: mpsc::Sender<Job>,
}

impl Default for Passwords {
    fn default() -> Self {
        return_big_blocks_to_the_system();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..cores {
            let queue = Arc::clone(&queue);
            // The threads end when the last `Passwords` is dropped.
            std::thread::Builder::new()
                .name("password-hashing".into())
                .spawn(move || {
                    lower_this_threads_priority();
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                })
                .expect("the system can start a password-hashing thread");
        }
        Passwords { jobs }
    }
}

/// Linux keeps a nice value per thread (`setpriority` with `who` 0 is the
/// calling thread there, not the whole process as elsewhere).
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only changes this thread's scheduling priority.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
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
        self.run(move || super::hash(&password)).await
    }

    /// Verifies against `stored`, or against a dummy hash when there is no
    /// such user, so both answers take the same time.
    pub async fn verify(&self, stored: Option<String>, password: String) -> Verdict {
        self.run(move || match stored {
            Some(stored) => super::verify(&stored, &password),
            None => {
                super::verify(super::dummy_hash(), &password);
                Verdict::Wrong
            }
        })
        .await
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> T {
        let (done, outcome) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(catch_unwind(AssertUnwindSafe(work)));
        });
        // The hashing threads live as long as any `Passwords` (this one
        // included) and survive a panicking job, so they always answer; a
        // panic in argon2 is a bug worth surfacing as one.
        self.jobs
            .send(job)
            .expect("password-hashing threads are running");
        match outcome.await.expect("password-hashing threads answer") {
            Ok(value) => value,
            Err(panic) => resume_unwind(panic),
        }
    }
}
