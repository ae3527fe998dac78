//! The MNIST training and test splits as burn-dataset `Dataset`s.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::data::dataset::{Dataset, DatasetError};

use crate::{DataError, idx};

pub const IMAGE_SIDE: usize = 28;
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
pub const NUM_CLASSES: usize = 10;

/// The four files of MNIST, by their canonical names (those of the original
/// distribution and of burn's cache, without the `.gz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MnistFile {
    TrainImages,
    TrainLabels,
    TestImages,
    TestLabels,
}

impl MnistFile {
    pub const ALL: [MnistFile; 4] = [
        MnistFile::TrainImages,
        MnistFile::TrainLabels,
        MnistFile::TestImages,
        MnistFile::TestLabels,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MnistFile::TrainImages => "train-images-idx3-ubyte",
            MnistFile::TrainLabels => "train-labels-idx1-ubyte",
            MnistFile::TestImages => "t10k-images-idx3-ubyte",
            MnistFile::TestLabels => "t10k-labels-idx1-ubyte",
        }
    }

    /// SHA-256 of the uncompressed bytes of the real MNIST file.
    pub fn sha256(self) -> &'static str {
        match self {
            MnistFile::TrainImages => {
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
            }
            MnistFile::TrainLabels => {
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
            }
            MnistFile::TestImages => {
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
            }
            MnistFile::TestLabels => {
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
            }
        }
    }

    /// The names under which the file is found in the wild: the canonical one, the
    /// dotted one some packages use (`train-images.idx3-ubyte`), each optionally
    /// gzipped, directly in the folder or in burn's `train/` and `test/` sub-folders.
    pub fn candidates(self) -> Vec<String> {
        let name = self.name();
        let dotted = name.replacen("-idx", ".idx", 1);
        let sub = match self {
            MnistFile::TrainImages | MnistFile::TrainLabels => "train",
            MnistFile::TestImages | MnistFile::TestLabels => "test",
        };
        let mut out = Vec::new();
        for prefix in ["".to_string(), format!("{sub}/")] {
            for base in [name.to_string(), dotted.clone()] {
                out.push(format!("{prefix}{base}"));
                out.push(format!("{prefix}{base}.gz"));
            }
        }
        out
    }

    /// The first candidate name that exists in `dir`.
    pub fn locate(self, dir: &Path) -> Result<PathBuf, DataError> {
        let candidates = self.candidates();
        candidates
            .iter()
            .map(|c| dir.join(c))
            .find(|p| p.is_file())
            .ok_or_else(|| DataError::Missing {
                dir: dir.to_path_buf(),
                file: self.name(),
                candidates: candidates.join(", "),
            })
    }
}

/// Which part of MNIST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    fn files(self) -> (MnistFile, MnistFile) {
        match self {
            Split::Train => (MnistFile::TrainImages, MnistFile::TrainLabels),
            Split::Test => (MnistFile::TestImages, MnistFile::TestLabels),
        }
    }
}

/// One image with its label. Pixels are the raw bytes, 0 (background) to 255 (ink).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MnistItem {
    pub pixels: Vec<u8>,
    pub label: u8,
}

/// Images and labels of one split, validated, shared by every view of it.
#[derive(Debug)]
struct Storage {
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

/// A contiguous range of one split's images. Cloning is cheap: the storage is shared.
#[derive(Debug, Clone)]
pub struct MnistDataset {
    storage: Arc<Storage>,
    start: usize,
    len: usize,
}

impl MnistDataset {
    /// Loads one split from `dir`, checking the format of both files and that they agree.
    pub fn load(dir: &Path, split: Split) -> Result<Self, DataError> {
        let (image_file, label_file) = split.files();
        let images_path = image_file.locate(dir)?;
        let labels_path = label_file.locate(dir)?;
        Self::from_files(&images_path, &labels_path)
    }

    /// Loads an images file and a labels file given by path.
    pub fn from_files(images_path: &Path, labels_path: &Path) -> Result<Self, DataError> {
        let images = idx::read(images_path, 3)?;
        if images.dims[1..] != [IMAGE_SIDE, IMAGE_SIDE] {
            return Err(DataError::format(
                images_path,
                format!(
                    "images are {}x{}, expected {IMAGE_SIDE}x{IMAGE_SIDE}",
                    images.dims[1], images.dims[2]
                ),
            ));
        }
        let labels = idx::read(labels_path, 1)?;
        if images.dims[0] != labels.dims[0] {
            return Err(DataError::CountMismatch {
                images: images_path.to_path_buf(),
                image_count: images.dims[0],
                labels: labels_path.to_path_buf(),
                label_count: labels.dims[0],
            });
        }
        if images.dims[0] == 0 {
            return Err(DataError::format(images_path, "holds no images"));
        }
        if let Some((index, &label)) = labels
            .data
            .iter()
            .enumerate()
            .find(|&(_, &l)| usize::from(l) >= NUM_CLASSES)
        {
            return Err(DataError::LabelOutOfRange {
                path: labels_path.to_path_buf(),
                index,
                label,
            });
        }
        let len = labels.data.len();
        Ok(Self {
            storage: Arc::new(Storage {
                pixels: images.data,
                labels: labels.data,
            }),
            start: 0,
            len,
        })
    }

    /// Holds out the last `n` items: returns (the rest, the held-out items).
    pub fn split_off_last(self, n: usize) -> Result<(Self, Self), DataError> {
        if n == 0 || n >= self.len {
            return Err(DataError::Fetch(format!(
                "a validation split of {n} images needs 0 < N < {} (the training set's size)",
                self.len
            )));
        }
        let keep = self.len - n;
        let rest = Self {
            storage: self.storage.clone(),
            start: self.start,
            len: keep,
        };
        let held = Self {
            storage: self.storage,
            start: self.start + keep,
            len: n,
        };
        Ok((rest, held))
    }

    /// The first `n` items (all when `n` is larger): for quick runs and tests.
    pub fn take(self, n: usize) -> Self {
        Self {
            len: self.len.min(n),
            ..self
        }
    }

    /// The item at `index`, without the `Result` of the `Dataset` trait.
    pub fn item(&self, index: usize) -> Option<MnistItem> {
        (index < self.len).then(|| {
            let at = self.start + index;
            MnistItem {
                pixels: self.storage.pixels[at * IMAGE_PIXELS..(at + 1) * IMAGE_PIXELS].to_vec(),
                label: self.storage.labels[at],
            }
        })
    }

    /// Labels of the whole view, in order.
    pub fn labels(&self) -> &[u8] {
        &self.storage.labels[self.start..self.start + self.len]
    }
}

#[derive(Debug, thiserror::Error)]
#[error("index {index} is out of range for a data set of {len} items")]
struct IndexOutOfRange {
    index: usize,
    len: usize,
}

impl Dataset<MnistItem> for MnistDataset {
    fn get(&self, index: usize) -> Result<MnistItem, DatasetError> {
        self.item(index).ok_or_else(|| {
            DatasetError::new(IndexOutOfRange {
                index,
                len: self.len,
            })
        })
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// Both splits of MNIST (or of a data set in its format) from one folder.
pub struct Mnist {
    pub train: MnistDataset,
    pub test: MnistDataset,
}

impl Mnist {
    pub fn load(dir: &Path) -> Result<Self, DataError> {
        Ok(Self {
            train: MnistDataset::load(dir, Split::Train)?,
            test: MnistDataset::load(dir, Split::Test)?,
        })
    }
}
