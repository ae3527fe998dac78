//! The `backprop` command line: `train`, `fetch-data`, `check-grads`.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use mnist_model::{ModelConfig, ModelKind};

use crate::backend::Backend;
use crate::config::{GradMode, TrainingConfig};

#[derive(Parser, Debug)]
#[command(
    name = "backprop",
    version,
    about = "Train one-layer and multi-layer networks on MNIST with burn, and prove that hand-derived backpropagation equals autodiff."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a network on MNIST and write its run folder (config, metrics, summary, model).
    Train(TrainArgs),
    /// Obtain the four MNIST files and verify them by SHA-256.
    FetchData(FetchArgs),
    /// Compare the hand-written gradients with burn's autodiff and with finite differences.
    CheckGrads(CheckArgs),
    /// Write the report (HTML and Markdown) of one or two finished runs.
    Report(ReportArgs),
    /// The whole assignment: train the one-layer and the multi-layer network, check the
    /// gradients, and write the report.
    Assignment(AssignmentArgs),
    /// Samples per second of autodiff and hand gradients, alone and through training.
    Bench(BenchArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// 784 -> 10, softmax (softmax regression).
    OneLayer,
    /// 784 -> hidden... -> 10 with ReLU between layers.
    Mlp,
}

impl From<ModelArg> for ModelKind {
    fn from(m: ModelArg) -> Self {
        match m {
            ModelArg::OneLayer => ModelKind::OneLayer,
            ModelArg::Mlp => ModelKind::Mlp,
        }
    }
}

fn positive_usize(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{s}` is not a positive whole number")),
    }
}

fn positive_f64(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("`{s}` is not a positive number")),
    }
}

fn non_negative_f64(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("`{s}` is not a non-negative number")),
    }
}

fn momentum(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..1.0).contains(&x) => Ok(x),
        _ => Err(format!("`{s}` is not a momentum in [0, 1)")),
    }
}

#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// Folder with the four MNIST files (raw or .gz). Given explicitly, the files are
    /// used as they are (format checked, not hashes; any data set in MNIST's format
    /// works) and never changed. Default: $MNIST_DATA_DIR, else a per-user cache
    /// folder, where MNIST is fetched and verified on first use.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    /// Compute backend (ndarray: CPU, always built; wgpu: GPU, needs a build with the wgpu feature).
    #[arg(long, value_enum, default_value_t = Backend::Ndarray)]
    pub backend: Backend,
    /// Network to train.
    #[arg(long, value_enum, default_value_t = ModelArg::OneLayer)]
    pub model: ModelArg,
    /// Hidden layer sizes of the mlp, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = positive_usize, default_value = "256,128")]
    pub hidden: Vec<usize>,
    /// Passes over the training set.
    #[arg(long, value_parser = positive_usize, default_value_t = 10)]
    pub epochs: usize,
    /// Images per gradient step.
    #[arg(long, value_parser = positive_usize, default_value_t = 100)]
    pub batch_size: usize,
    /// SGD learning rate.
    #[arg(long, value_parser = positive_f64, default_value_t = 0.1)]
    pub lr: f64,
    /// SGD momentum (0: plain SGD).
    #[arg(long, value_parser = momentum, default_value_t = 0.0)]
    pub momentum: f64,
    /// L2 weight decay λ (the optimizer adds λθ to every gradient).
    #[arg(long, value_parser = non_negative_f64, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Seed of the initial weights and of the batch order.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// How gradients are computed: burn's autodiff or the hand-derived backward pass.
    #[arg(long, value_enum, default_value_t = GradMode::Autodiff)]
    pub grad: GradMode,
    /// Hold out the last N training images for validation (default: evaluate on the test set).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub valid_split: usize,
    /// Train on the first N training images only (default: all 60000).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub train_limit: usize,
    /// Data-loading threads (0: load on the training thread, fully reproducible).
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    #[command(flatten)]
    pub data: DataArgs,
    /// Run folder to write (must be new or empty). Default: runs/<model>-<backend>-NNN.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl TrainArgs {
    pub fn config(&self) -> TrainingConfig {
        TrainingConfig::new(
            ModelConfig::new(self.model.into()).with_hidden(self.hidden.clone()),
            self.backend,
        )
        .with_grad(self.grad)
        .with_epochs(self.epochs)
        .with_batch_size(self.batch_size)
        .with_learning_rate(self.lr)
        .with_momentum(self.momentum)
        .with_weight_decay(self.weight_decay)
        .with_seed(self.seed)
        .with_valid_split(self.valid_split)
        .with_train_limit(self.train_limit)
        .with_num_workers(self.workers)
    }
}

#[derive(Args, Debug, Clone)]
pub struct FetchArgs {
    /// Folder to put the files in (default: $MNIST_DATA_DIR, else the per-user cache folder).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckModel {
    OneLayer,
    Mlp,
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FaultArg {
    /// dJ/dz = p - y (the 1/n of the mean forgotten).
    MissingMean,
    /// dJ/da = dJ/dz · W instead of dJ/dz · Wᵀ (on square layers).
    TransposedProduct,
    /// The ReLU mask forgotten in hidden layers.
    MissingReluMask,
}

impl From<FaultArg> for hand_backprop::Fault {
    fn from(f: FaultArg) -> Self {
        match f {
            FaultArg::MissingMean => hand_backprop::Fault::MissingMean,
            FaultArg::TransposedProduct => hand_backprop::Fault::TransposedProduct,
            FaultArg::MissingReluMask => hand_backprop::Fault::MissingReluMask,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    #[arg(long, value_enum, default_value_t = Backend::Ndarray)]
    pub backend: Backend,
    /// Which network(s) to check.
    #[arg(long, value_enum, default_value_t = CheckModel::All)]
    pub model: CheckModel,
    /// Print the reports as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Seed of the random batches and initial weights.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Finite-difference coordinates sampled per parameter tensor.
    #[arg(long, value_parser = positive_usize, default_value_t = 12)]
    pub fd_samples: usize,
    /// Skip the cases on real MNIST batches (random batches only; no data needed).
    #[arg(long)]
    pub no_mnist: bool,
    /// Break the backward pass on purpose, to watch the checker catch the mistake.
    #[arg(long, value_enum)]
    pub inject_fault: Option<FaultArg>,
    #[command(flatten)]
    pub data: DataArgs,
}

/// The data folder and whether to fetch into it: an explicit folder is used as it is.
pub fn data_location(explicit: Option<&Path>) -> (PathBuf, bool) {
    match explicit {
        Some(dir) => (dir.to_path_buf(), false),
        None => (mnist_data::fetch::default_data_dir(), true),
    }
}

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// A finished run folder (give --run twice to compare two runs, e.g. one-layer and mlp).
    #[arg(long = "run", value_name = "DIR", required = true, num_args = 1)]
    pub runs: Vec<PathBuf>,
    /// Folder for report.html and report.md (default: the first run's folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Use this `check-grads --json` output instead of running the gradient check.
    #[arg(long, value_name = "FILE")]
    pub gradcheck: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Args, Debug, Clone)]
pub struct AssignmentArgs {
    #[arg(long, value_enum, default_value_t = Backend::Ndarray)]
    pub backend: Backend,
    /// Epochs of each network.
    #[arg(long, value_parser = positive_usize, default_value_t = 10)]
    pub epochs: usize,
    /// Hidden layer sizes of the mlp, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = positive_usize, default_value = "256,128")]
    pub hidden: Vec<usize>,
    /// How gradients are computed in both trainings.
    #[arg(long, value_enum, default_value_t = GradMode::Autodiff)]
    pub grad: GradMode,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub data: DataArgs,
    /// Folder for both runs and the report (must be new or empty). Default: runs/assignment-NNN.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    #[arg(long, value_enum, default_value_t = Backend::Ndarray)]
    pub backend: Backend,
    /// Images per batch.
    #[arg(long, value_parser = positive_usize, default_value_t = 100)]
    pub batch_size: usize,
    /// Batches timed for the gradient computation alone.
    #[arg(long, value_parser = positive_usize, default_value_t = 200)]
    pub steps: usize,
    /// Training images for the training measure (one epoch); 0 skips it.
    #[arg(long, default_value_t = 60000)]
    pub train_images: usize,
    /// Also write the rows as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
}
