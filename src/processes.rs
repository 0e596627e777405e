//! Finding this appliance's own child processes by their command line: Chromium names its
//! profile directory there and ffmpeg its output file, both under the data directory, which is
//! how processes a previous appliance process left behind are recognised. Both are started at a
//! lower CPU priority than the appliance's own threads (`started_lowered`).

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Live processes (not zombies, not this one) with their command lines (arguments separated
/// by NUL).
fn live_processes() -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let own = std::process::id();
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != own)
        .filter(|pid| !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| stat.contains(") Z ")))
        .filter_map(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            Some((pid, String::from_utf8_lossy(&cmdline).into_owned()))
        })
        .collect()
}

/// Live processes (not zombies, not this one) whose command line contains `marker`.
pub fn mentioning(marker: &str) -> Vec<u32> {
    live_processes().into_iter().filter(|(_, cmdline)| cmdline.contains(marker)).map(|(pid, _)| pid).collect()
}

/// Live processes (not zombies, not this one) given the switch `--<switch>=<value>` with a
/// value that `accepts`.
pub fn with_switch(switch: &str, accepts: impl Fn(&str) -> bool) -> Vec<u32> {
    live_processes()
        .into_iter()
        .filter(|(_, cmdline)| switch_values(cmdline, switch).any(&accepts))
        .map(|(pid, _)| pid)
        .collect()
}

/// The values of `--<switch>=` in a command line. Arguments are separated by NUL, but
/// Chromium's helper processes rewrite theirs as one text joined by spaces, where a value ends
/// before the next ` --`.
fn switch_values<'a>(cmdline: &'a str, switch: &'a str) -> impl Iterator<Item = &'a str> {
    cmdline.split('\0').flat_map(|argument| argument.split(" --").enumerate()).filter_map(move |(index, piece)| {
        let piece = if index == 0 { piece.strip_prefix("--")? } else { piece };
        piece.strip_prefix(switch)?.strip_prefix('=')
    })
}

/// Runs `start` on a short-lived thread whose CPU priority is lowered by `nice` (0 leaves it),
/// so that every process it starts, and every process those start, runs at that priority: on
/// Linux a priority belongs to a thread and passes to what it forks. The thread also gives up
/// the right to raise a priority again (`CAP_SYS_NICE`, which only root holds), or Chromium run
/// as root would set its own. With Chromium and ffmpeg below it, the appliance answers its API
/// and drives its runs promptly on a busy machine.
pub fn started_lowered<T: Send>(nice: u8, start: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new().name("lowered-start".into());
        let lowered = thread.spawn_scoped(scope, || {
            if nice > 0 {
                lower_this_thread(nice);
            }
            start()
        });
        Ok(lowered?.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// Lowers the calling thread's priority by `nice` and drops its right to raise it, from its
/// capability sets and from its bounding set, which is what root regains on `exec`. Without
/// the right to begin with (not root), dropping it is refused and not needed.
fn lower_this_thread(nice: u8) {
    use rustix::thread::CapabilitySet;
    if let Err(error) = rustix::process::nice(i32::from(nice)) {
        tracing::warn!(%error, nice, "cannot lower the priority of a process about to start");
    }
    let _ = rustix::thread::remove_capability_from_bounding_set(CapabilitySet::SYS_NICE);
    if let Ok(mut sets) = rustix::thread::capabilities(None) {
        for set in [&mut sets.effective, &mut sets.permitted, &mut sets.inheritable] {
            set.remove(CapabilitySet::SYS_NICE);
        }
        let _ = rustix::thread::set_capabilities(None, sets);
    }
}

/// Sends SIGKILL; whether the signal was delivered.
pub fn kill_now(pid: u32) -> bool {
    i32::try_from(pid).is_ok_and(|pid| kill(Pid::from_raw(pid), Signal::SIGKILL).is_ok())
}

#[cfg(test)]
mod tests {
    use super::switch_values;

    #[test]
    fn a_switch_is_read_from_separate_arguments_and_from_a_helpers_joined_command_line() {
        let browser = "/usr/lib/chromium/chromium\0--headless\0--user-data-dir=/data/my profiles/1-0\0about:blank\0";
        let helper = "/usr/lib/chromium/chromium --type=renderer --user-data-dir=/data/my profiles/1-0 --lang=en\0\0\0";
        for cmdline in [browser, helper] {
            assert_eq!(switch_values(cmdline, "user-data-dir").collect::<Vec<_>>(), ["/data/my profiles/1-0"]);
        }
        assert_eq!(switch_values("x\0--user-data-dirs=/a\0-user-data-dir=/b\0", "user-data-dir").count(), 0);
        assert_eq!(switch_values("x\0--other=--user-data-dir=/a\0", "user-data-dir").count(), 0);
    }
}
