//! The configuration of a training run, saved as `config.json` in its folder.

use burn::prelude::*;
use mnist_model::ModelConfig;
use serde::{Deserialize, Serialize};

use crate::backend::Backend;

/// How the gradients of each step are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum GradMode {
    /// burn's automatic differentiation (`loss.backward()`).
    #[default]
    Autodiff,
    /// The hand-derived backward pass of the hand-backprop crate (no graph recorded).
    Hand,
}

impl GradMode {
    pub fn name(self) -> &'static str {
        match self {
            GradMode::Autodiff => "autodiff",
            GradMode::Hand => "hand",
        }
    }
}

#[derive(Config, Debug)]
pub struct TrainingConfig {
    pub model: ModelConfig,
    pub backend: Backend,
    #[config(default = "GradMode::Autodiff")]
    pub grad: GradMode,
    #[config(default = 10)]
    pub epochs: usize,
    #[config(default = 100)]
    pub batch_size: usize,
    #[config(default = 0.1)]
    pub learning_rate: f64,
    #[config(default = 0.0)]
    pub momentum: f64,
    #[config(default = 0.0)]
    pub weight_decay: f64,
    #[config(default = 42)]
    pub seed: u64,
    /// Training images held out for validation (taken from the end of the training
    /// set); 0 evaluates on the test set every epoch, as the assignment does.
    #[config(default = 0)]
    pub valid_split: usize,
    /// Use only the first N training images (0: all); for quick runs and tests.
    #[config(default = 0)]
    pub train_limit: usize,
    /// Data-loading threads; 0 loads batches on the training thread, which keeps the
    /// batch order, and so the whole run, reproducible.
    #[config(default = 0)]
    pub num_workers: usize,
}
