//! The one clock every table uses.

/// Seconds since the Unix epoch, the one clock every table uses.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The server's offset from UTC at `at` (seconds east), from the system's
/// time zone; 0 where it cannot be read. Times are stored as UTC and shown
/// in the server's local time (SPEC §8).
pub fn local_offset(at: i64) -> i64 {
    #[cfg(unix)]
    {
        let t = at as libc::time_t;
        // SAFETY: localtime_r only writes into the `tm` given to it.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        let filled = unsafe { libc::localtime_r(&t, &mut tm) };
        if filled.is_null() { 0 } else { tm.tm_gmtoff }
    }
    #[cfg(not(unix))]
    {
        let _ = at;
        0
    }
}

/// "2026-05-01 14:03", in the server's local time.
pub fn local_text(at: i64) -> String {
    let shifted = at.saturating_add(local_offset(at));
    match time::OffsetDateTime::from_unix_timestamp(shifted) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => at.to_string(),
    }
}

/// "2026-05-01", the server's local date at `at`: the day an account's
/// expiry is compared with.
pub fn local_date(at: i64) -> String {
    local_text(at).chars().take(10).collect()
}

/// A `YYYY-MM-DD` date as typed in a form, checked and written back the
/// same way (so it compares as text); `None` when it is no such day.
pub fn parse_date(text: &str) -> Option<String> {
    let text = text.trim();
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return None;
    }
    let mut parts = text.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    let date = time::Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}

/// The `YYYY-MM-DDTHH:MM` of a `datetime-local` field (the server's local
/// time) as UTC seconds; `None` when malformed.
pub fn parse_local(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, clock) = text.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (d.next()??, d.next()??, d.next()??);
    let (hour, minute) = clock.get(..5)?.split_once(':')?;
    let (hour, minute) = (hour.parse::<u8>().ok()?, minute.parse::<u8>().ok()?);
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    let naive = date
        .with_hms(hour, minute, 0)
        .ok()?
        .assume_utc()
        .unix_timestamp();
    Some(naive - local_offset(naive))
}
