//! MNIST for the backprop workspace: the IDX reader (raw or gzip), the data sets as
//! burn-dataset `Dataset`s, the batcher, and the fetcher that obtains the real files
//! and verifies them by SHA-256.

mod batcher;
mod error;
pub mod fetch;
pub mod idx;
mod mnist;

pub use batcher::{MnistBatch, MnistBatcher};
pub use error::DataError;
pub use mnist::{
    IMAGE_PIXELS, IMAGE_SIDE, Mnist, MnistDataset, MnistFile, MnistItem, NUM_CLASSES, Split,
};
