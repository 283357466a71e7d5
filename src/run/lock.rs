//! The run lock: one run per output folder at a time.
//!
//! An advisory lock (`flock`/`LockFileEx` through `std::fs::File::try_lock`) on a file in the
//! output folder. The operating system drops it when its process ends, however it ends, so a
//! lock left by a killed run is simply taken over: there is no stale-lock guessing. The file
//! holds the holder's pid and start time so that a refused run can name it; the file itself
//! is never deleted (deleting it would let two runs lock two different files of one name).
//!
//! Shards of one run share the output folder: each holds the folder's lock *shared* (so they
//! run side by side while a whole run, which holds it exclusively, is kept out, and the other
//! way round) and its own shard lock exclusively.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{}: another nashra run ({holder}) is writing to this output folder; \
         wait for it to finish or pass --wait",
        out.display()
    )]
    Held { out: PathBuf, holder: String },
    #[error("{}: cannot lock the output folder: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// How a lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// By one run alone; the holder writes its name into the file.
    Exclusive,
    /// Beside other holders of the same mode (the shards of one run); names nobody.
    Shared,
}

/// A held run lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct RunLock {
    file: File,
    mode: LockMode,
    /// A shard's own lock, held inside the folder's shared one.
    inner: Option<Box<RunLock>>,
}

impl RunLock {
    /// The lock of one shard of a run: the folder lock at `folder` shared, then the shard's own
    /// at `shard` exclusively. A whole run on the same folder is refused (or waited for), and
    /// so is a second process of the same shard.
    pub fn acquire_shard(
        folder: &Path,
        shard: &Path,
        out: &Path,
        wait: bool,
    ) -> Result<Self, LockError> {
        let mut lock = Self::acquire_as(folder, out, wait, LockMode::Shared)?;
        lock.inner = Some(Box::new(Self::acquire(shard, out, wait)?));
        Ok(lock)
    }

    /// Takes the lock at `path` (a file in the output folder `out`). With `wait`, blocks until
    /// the holder finishes; without, fails at once naming the holder.
    pub fn acquire(path: &Path, out: &Path, wait: bool) -> Result<Self, LockError> {
        Self::acquire_as(path, out, wait, LockMode::Exclusive)
    }

    fn acquire_as(path: &Path, out: &Path, wait: bool, mode: LockMode) -> Result<Self, LockError> {
        let io = |error| LockError::Io {
            path: path.to_path_buf(),
            error,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let attempt = match mode {
            LockMode::Exclusive => file.try_lock(),
            LockMode::Shared => file.try_lock_shared(),
        };
        match attempt {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if wait => match mode {
                LockMode::Exclusive => file.lock().map_err(io)?,
                LockMode::Shared => file.lock_shared().map_err(io)?,
            },
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    out: out.to_path_buf(),
                    holder: holder(&mut file),
                })
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        if mode == LockMode::Shared {
            return Ok(Self {
                file,
                mode,
                inner: None,
            });
        }
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let me = format!("pid {}, started {}", std::process::id(), utc(started));
        // Best effort: the lock is held either way, and a full disk must not stop the run
        // (it only costs a refused run the holder's name).
        let _ = file.set_len(0).and_then(|()| file.write_all(me.as_bytes()));
        Ok(Self {
            file,
            mode,
            inner: None,
        })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Emptied so that a finished run leaves the same bytes behind every time. A shared
        // holder wrote nothing, and others may still hold the file.
        if self.mode == LockMode::Exclusive {
            let _ = self.file.set_len(0);
        }
    }
}

fn holder(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut s);
    let s = s.trim();
    if s.is_empty() {
        // Shards hold the folder's lock shared and write no name.
        "the shards of a sharded run, or a holder that left no name".into()
    } else {
        s.to_string()
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` from Unix seconds. Hand-rolled (Howard Hinnant's days-to-civil)
/// because this one line is the crate's only use of calendar dates.
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_709_210_096), "2024-02-29 12:34:56 UTC");
    }

    #[test]
    fn a_second_holder_is_refused_with_the_first_named_then_takes_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".lock");
        let first = RunLock::acquire(&path, dir.path(), false).unwrap();
        let err = RunLock::acquire(&path, dir.path(), false).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        RunLock::acquire(&path, dir.path(), false).unwrap();
    }

    #[test]
    fn shards_run_side_by_side_but_exclude_a_whole_run_and_their_own_twin() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join(".nashra.lock");
        let (s0, s1) = (dir.path().join(".0.lock"), dir.path().join(".1.lock"));
        let a = RunLock::acquire_shard(&folder, &s0, dir.path(), false).unwrap();
        let b = RunLock::acquire_shard(&folder, &s1, dir.path(), false).unwrap();
        let whole = RunLock::acquire(&folder, dir.path(), false).unwrap_err();
        assert!(whole.to_string().contains("sharded run"), "{whole}");
        assert!(RunLock::acquire_shard(&folder, &s0, dir.path(), false).is_err());
        drop((a, b));
        let whole = RunLock::acquire(&folder, dir.path(), false).unwrap();
        assert!(RunLock::acquire_shard(&folder, &s1, dir.path(), false).is_err());
        drop(whole);
    }
}
