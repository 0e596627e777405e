//! The CPU time the recordings' encoders have used: read from `/proc/<pid>/stat` (user and
//! system time of the whole process) while each ffmpeg runs, and once more when it has exited,
//! before it is reaped (a zombie keeps its figures), so no encoder's last seconds are lost.

use std::collections::HashMap;
use std::sync::Mutex;

use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::{Pid, SysconfVar, sysconf};

/// The CPU time of running and ended encoders, in clock ticks.
#[derive(Default)]
pub(super) struct EncoderCpu {
    tally: Mutex<Tally>,
}

#[derive(Default)]
struct Tally {
    /// Ticks of the encoders that have exited.
    ended: u64,
    /// The encoders running, by process id, with the ticks last read (kept if a read fails).
    running: HashMap<u32, u64>,
}

impl EncoderCpu {
    pub(super) fn started(&self, pid: u32) {
        self.tally.lock().unwrap_or_else(|p| p.into_inner()).running.insert(pid, 0);
    }

    /// Waits (blocking) until the encoder `pid` exits without reaping it, then counts its
    /// final time; the caller reaps it next.
    pub(super) fn ended(&self, pid: u32) {
        let exited = i32::try_from(pid)
            .map(|pid| waitid(Id::Pid(Pid::from_raw(pid)), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT).is_ok());
        let mut tally = self.tally.lock().unwrap_or_else(|p| p.into_inner());
        let last = tally.running.remove(&pid).unwrap_or(0);
        let final_ticks = if exited == Ok(true) { ticks_of(pid).unwrap_or(last).max(last) } else { last };
        tally.ended += final_ticks;
    }

    /// Seconds of CPU used by every encoder so far.
    pub(super) fn seconds(&self) -> f64 {
        let mut tally = self.tally.lock().unwrap_or_else(|p| p.into_inner());
        let mut ticks = tally.ended;
        for (pid, last) in tally.running.iter_mut() {
            if let Some(now) = ticks_of(*pid) {
                *last = now.max(*last);
            }
            ticks += *last;
        }
        ticks as f64 / ticks_per_second()
    }
}

/// User plus system time of process `pid`, in clock ticks.
fn ticks_of(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_ticks(&stat)
}

/// Fields 14 and 15 of a `stat` line (utime, stime), counted after the command's closing
/// parenthesis, since the command itself may hold spaces and parentheses.
fn parse_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

fn ticks_per_second() -> f64 {
    match sysconf(SysconfVar::CLK_TCK) {
        Ok(Some(ticks)) if ticks > 0 => ticks as f64,
        _ => 100.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_times_are_read_after_the_command_whatever_it_holds() {
        let stat = "4242 (ff mpeg) (x)) S 1 4242 4242 0 -1 4194560 1200 0 0 0 731 69 0 0 20 0 3 0";
        assert_eq!(parse_ticks(stat), Some(800));
        assert_eq!(parse_ticks("4242 (ffmpeg) S 1"), None);
    }

    #[test]
    fn an_ended_process_keeps_the_time_it_used_until_it_is_reaped() {
        let cpu = EncoderCpu::default();
        let mut child = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"])
            .spawn()
            .unwrap();
        cpu.started(child.id());
        cpu.ended(child.id());
        child.wait().unwrap();
        let seconds = cpu.seconds();
        assert!(seconds > 0.0, "the busy shell used some CPU: {seconds}");
        assert_eq!(cpu.seconds(), seconds, "an ended encoder's time stays counted");
    }
}
