//! Finding this appliance's own child processes by their command line: Chromium names its
//! profile directory there and ffmpeg its output file, both under the data directory, which is
//! how processes a previous appliance process left behind are recognised.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Live processes (not zombies, not this one) whose command line contains `marker`.
pub fn mentioning(marker: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let own = std::process::id();
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != own)
        .filter(|pid| {
            let mentions = std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(marker));
            let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| stat.contains(") Z "));
            mentions && !zombie
        })
        .collect()
}

/// Sends SIGKILL; whether the signal was delivered.
pub fn kill_now(pid: u32) -> bool {
    i32::try_from(pid).is_ok_and(|pid| kill(Pid::from_raw(pid), Signal::SIGKILL).is_ok())
}
