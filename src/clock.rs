//! The one clock every table uses.

/// Seconds since the Unix epoch, the one clock every table uses.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

static LOCAL_OFFSET: std::sync::OnceLock<time::UtcOffset> = std::sync::OnceLock::new();

/// Reads this computer's offset from UTC. The `time` crate can only do so
/// safely while the process has one thread, so `main` calls this first;
/// without it (tests) times are shown in UTC.
pub fn init_local_offset() {
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let _ = LOCAL_OFFSET.set(offset);
}

/// `at` (seconds since the Unix epoch) as "2025-03-14 09:05" in local time
/// (UTC when the offset could not be read, then marked so).
pub fn local_time(at: i64) -> String {
    let offset = LOCAL_OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC);
    let Ok(utc) = time::OffsetDateTime::from_unix_timestamp(at) else {
        return at.to_string();
    };
    let t = utc.to_offset(offset);
    format!(
        "{}-{:02}-{:02} {:02}:{:02}{}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        if offset.is_utc() { " UTC" } else { "" }
    )
}
