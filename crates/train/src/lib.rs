//! Training on MNIST with burn-train's learner, the run folder's files, and the
//! `backprop` command line (`train`, `fetch-data`, `check-grads`).

pub mod artifacts;
pub mod backend;
pub mod bench;
pub mod cli;
pub mod config;
pub mod evaluate;
pub mod figures;
pub mod gradcheck;
pub mod recorder;
pub mod renderer;
pub mod report;
pub mod steps;
pub mod training;

pub use backend::Backend;
pub use config::{GradMode, TrainingConfig};
pub use training::{Summary, TrainError, train};
