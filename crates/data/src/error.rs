use std::path::{Path, PathBuf};

/// Everything that can go wrong while locating, fetching or reading MNIST.
///
/// Every variant names the file or folder it is about, so that a user can act on
/// the message alone.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a valid IDX file: {problem}")]
    Format { path: PathBuf, problem: String },
    #[error("{images} holds {image_count} images but {labels} holds {label_count} labels")]
    CountMismatch {
        images: PathBuf,
        image_count: usize,
        labels: PathBuf,
        label_count: usize,
    },
    #[error("{path}: label {label} at index {index} is out of range (labels must be 0..=9)")]
    LabelOutOfRange {
        path: PathBuf,
        index: usize,
        label: u8,
    },
    #[error("{dir}: no {file} (looked for {candidates})")]
    Missing {
        dir: PathBuf,
        file: &'static str,
        candidates: String,
    },
    #[error(
        "{path}: SHA-256 of its content is {actual}, expected {expected}; the file is not the real MNIST {file} and was not used"
    )]
    HashMismatch {
        path: PathBuf,
        file: &'static str,
        expected: &'static str,
        actual: String,
    },
    #[error("{0}")]
    Fetch(String),
}

impl DataError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn format(path: &Path, problem: impl Into<String>) -> Self {
        DataError::Format {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }
}
