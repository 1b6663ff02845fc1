//! A one-line description of the machine a benchmark ran on, printed with its results.

use std::fs;

/// Returns CPU count and model, memory, SQLite version, allocator, the UTC
/// date and the load average, such as `2 CPUs (AMD EPYC), 23.4 GiB memory,
/// SQLite 3.46.0, system malloc, 2026-12-04, load average 0.12 0.30 0.41`. Other processes compete for
/// the CPUs when the load average is high, which shows in the tail latencies.
pub fn describe() -> String {
    let cpus = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let model = read_cpu_model().unwrap_or_else(|| "unknown CPU".to_owned());
    let memory = read_memory_gib()
        .map(|gib| format!("{gib:.1} GiB memory"))
        .unwrap_or_else(|| "unknown memory".to_owned());
    let today = time::OffsetDateTime::now_utc().date();
    let load = load_average().unwrap_or_else(|| "unknown".to_owned());
    format!(
        "{cpus} CPUs ({model}), {memory}, SQLite {}, {}, {today}, load average {load}",
        rusqlite::version(),
        crate::ALLOCATOR_NAME
    )
}

fn read_cpu_model() -> Option<String> {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").ok()?;
    cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
}

fn read_memory_gib() -> Option<f64> {
    let meminfo = fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|line| line.starts_with("MemTotal:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / (1024.0 * 1024.0))
}

/// Returns the 1, 5 and 15 minute load averages of Linux.
pub fn load_average() -> Option<String> {
    let loadavg = fs::read_to_string("/proc/loadavg").ok()?;
    let averages: Vec<&str> = loadavg.split_whitespace().take(3).collect();
    (averages.len() == 3).then(|| averages.join(" "))
}

/// Returns the CPU time used so far by this process's threads whose name
/// starts with `prefix`, counting ended threads as such threads. It is the
/// process's CPU time (`getrusage`, which keeps that of ended threads) minus
/// that of the live threads with other names (`/proc/self/task/*/schedstat`).
/// The benchmarks' client threads live to the end, so the threads that end
/// during a measurement are the server's blocking threads.
pub fn threads_cpu_time(prefix: &str) -> Option<std::time::Duration> {
    let process = process_cpu_time()?;
    let mut others = 0u64;
    for task in fs::read_dir("/proc/self/task").ok()?.flatten() {
        let path = task.path();
        let Ok(name) = fs::read_to_string(path.join("comm")) else { continue };
        if name.trim_end().starts_with(prefix) {
            continue;
        }
        let Ok(schedstat) = fs::read_to_string(path.join("schedstat")) else { continue };
        let Some(nanos) = schedstat.split_whitespace().next().and_then(|field| field.parse::<u64>().ok()) else {
            continue;
        };
        others += nanos;
    }
    Some(process.saturating_sub(std::time::Duration::from_nanos(others)))
}

/// Returns the user and system CPU time of the whole process, including
/// threads that have ended.
fn process_cpu_time() -> Option<std::time::Duration> {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage for the duration of the call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let micros = |time: libc::timeval| -> Option<u64> {
        Some(u64::try_from(time.tv_sec).ok()? * 1_000_000 + u64::try_from(time.tv_usec).ok()?)
    };
    let total = micros(usage.ru_utime)? + micros(usage.ru_stime)?;
    Some(std::time::Duration::from_micros(total))
}

/// Returns the CPU time the calling thread has used so far
/// (`CLOCK_THREAD_CPUTIME_ID`), or `None` when the clock cannot be read.
///
/// Unlike wall-clock time, it does not grow while the thread waits for a CPU,
/// so the difference around a call is what the call itself costs even when
/// other processes compete for the CPUs.
pub fn thread_cpu_time() -> Option<std::time::Duration> {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec for the duration of the
    // call, and clock_gettime writes nothing else.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    if status != 0 {
        return None;
    }
    let seconds = u64::try_from(time.tv_sec).ok()?;
    let nanos = u32::try_from(time.tv_nsec).ok()?;
    Some(std::time::Duration::new(seconds, nanos))
}
