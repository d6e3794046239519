//! The process's peak resident set size around one measured phase of a bench (Linux):
//! the kernel's high-water mark (`VmHWM` in `/proc/self/status`), which writing `5`
//! to `/proc/self/clear_refs` resets to the current size.

/// Start a phase: from here the high-water mark is this phase's. `false` when the
/// kernel does not allow it (the figure read after is then the process's whole peak).
pub fn reset() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The high-water mark in bytes, or `None` where `/proc` does not tell it.
pub fn peak_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}
