//! The files of a run folder.
//!
//! - `config.json`: the training configuration (written before training starts).
//! - `metrics.csv`: one row per epoch and split: `epoch,split,loss,accuracy,seconds`.
//! - `iterations.csv`: one row per training iteration: `epoch,iteration,loss,accuracy`.
//! - `summary.json`: the run's figures ([`crate::training::Summary`]).
//! - `evaluation.json`: the final test evaluation (confusion matrix, worst mistakes).
//! - `model.bpk`: the trained network's record (burnpack).
//! - `burn/`: burn-train's own logs and checkpoints.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::evaluate::Evaluation;
use crate::recorder::{EpochRow, IterationRow};
use crate::training::{Summary, TrainError};

/// The run folder: `out` when given (it must not exist yet, or be empty, so that no
/// earlier run is overwritten), else the next free `runs/<model>-<backend>-NNN`.
pub fn prepare_run_dir(
    out: Option<&Path>,
    runs_root: &Path,
    stem: &str,
) -> Result<PathBuf, TrainError> {
    let dir = match out {
        Some(dir) => {
            if dir.exists() {
                let empty = std::fs::read_dir(dir)
                    .map_err(|e| TrainError::io(dir, e))?
                    .next()
                    .is_none();
                if !empty {
                    return Err(TrainError::Config(format!(
                        "{}: the output folder exists and is not empty; choose a new --out so that no earlier run is overwritten",
                        dir.display()
                    )));
                }
            }
            dir.to_path_buf()
        }
        None => (1..)
            .map(|n| runs_root.join(format!("{stem}-{n:03}")))
            .find(|d| !d.exists())
            .expect("an unused run number"),
    };
    std::fs::create_dir_all(&dir).map_err(|e| TrainError::io(&dir, e))?;
    Ok(dir)
}

pub fn metrics_csv(rows: &[EpochRow]) -> String {
    let mut out = String::from("epoch,split,loss,accuracy,seconds\n");
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{:.6},{:.6},{:.3}",
            r.epoch, r.split, r.loss, r.accuracy, r.seconds
        );
    }
    out
}

pub fn iterations_csv(rows: &[IterationRow]) -> String {
    let mut out = String::from("epoch,iteration,loss,accuracy\n");
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{:.6},{:.6}",
            r.epoch, r.iteration, r.loss, r.accuracy
        );
    }
    out
}

fn write(path: &Path, text: &str) -> Result<(), TrainError> {
    std::fs::write(path, text).map_err(|e| TrainError::io(path, e))
}

pub fn write_run(
    dir: &Path,
    epochs: &[EpochRow],
    iterations: &[IterationRow],
    summary: &Summary,
    test: &Evaluation,
) -> Result<(), TrainError> {
    write(&dir.join("metrics.csv"), &metrics_csv(epochs))?;
    write(&dir.join("iterations.csv"), &iterations_csv(iterations))?;
    write(&dir.join("summary.json"), &to_json(summary))?;
    write(&dir.join("evaluation.json"), &to_json(test))?;
    Ok(())
}

pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("plain data serialises") + "\n"
}
