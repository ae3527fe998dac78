//! A whole training run: burn-train's learner with loss and accuracy for the
//! training and the evaluation split, then a final evaluation and the run's files.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataset::Dataset;
use burn::optim::SgdConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::prelude::*;
use burn::train::logger::FileMetricLogger;
use burn::train::metric::{AccuracyMetric, LossMetric};
use burn::train::{Learner, SupervisedTraining};
use mnist_data::{Mnist, MnistBatcher};
use serde::Serialize;

use crate::config::TrainingConfig;
use crate::evaluate::evaluate;
use crate::recorder::{Recorder, Records};
use crate::renderer;
use crate::steps::Trainee;
use crate::{artifacts, figures};

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Diverged(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

impl TrainError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        TrainError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// `summary.json`: the figures of a run.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Summary {
    pub model: String,
    pub backend: String,
    /// The GPU adapter of the wgpu backend (name, type, graphics API, driver).
    pub adapter: Option<String>,
    pub grad: String,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub train_images: usize,
    pub eval_split: String,
    /// Final model on the whole training set.
    pub train_loss: f64,
    pub train_accuracy: f64,
    /// Final model on the test set.
    pub test_loss: f64,
    pub test_accuracy: f64,
    pub best_test_accuracy: Option<f64>,
    pub valid_loss: Option<f64>,
    pub valid_accuracy: Option<f64>,
    /// Wall time of the training epochs (evaluation passes excluded).
    pub train_seconds: f64,
    pub epoch_seconds: Vec<f64>,
    pub samples_per_second: f64,
}

pub fn validate(config: &TrainingConfig) -> Result<(), TrainError> {
    let bad = |m: &str| Err(TrainError::Config(m.to_string()));
    if config.epochs == 0 {
        return bad("--epochs must be at least 1");
    }
    if config.batch_size == 0 {
        return bad("--batch-size must be at least 1");
    }
    if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
        return bad("--lr must be a positive number");
    }
    if !(0.0..1.0).contains(&config.momentum) {
        return bad("--momentum must be in [0, 1)");
    }
    if !(config.weight_decay.is_finite() && config.weight_decay >= 0.0) {
        return bad("--weight-decay must be a non-negative number");
    }
    if config.model.hidden.contains(&0) {
        return bad("--hidden sizes must be positive");
    }
    if config.model.kind == mnist_model::ModelKind::Mlp && config.model.hidden.is_empty() {
        return bad("--hidden needs at least one size for the mlp model");
    }
    Ok(())
}

/// Trains as configured on `data` and writes the run into `out` (which must be new
/// or empty). Progress goes to burn's dashboard (in a terminal) or plain text.
pub fn train(config: &TrainingConfig, data: Mnist, out: &Path) -> Result<Summary, TrainError> {
    validate(config)?;
    let device = config.backend.device().map_err(TrainError::Config)?;
    device.seed(config.seed);

    let mut train_set = data.train;
    if config.train_limit > 0 {
        train_set = train_set.take(config.train_limit);
    }
    let (train_set, eval_set, eval_split) = if config.valid_split > 0 {
        let (rest, held) = train_set
            .split_off_last(config.valid_split)
            .map_err(|e| TrainError::Config(e.to_string()))?;
        (rest, held, "valid")
    } else {
        (train_set, data.test.clone(), "test")
    };
    let train_images = train_set.len();

    std::fs::create_dir_all(out).map_err(|e| TrainError::io(out, e))?;
    config
        .save(out.join("config.json"))
        .map_err(|e| TrainError::Other(format!("{}: {e}", out.join("config.json").display())))?;

    let loader_train = DataLoaderBuilder::new(MnistBatcher)
        .batch_size(config.batch_size)
        .shuffle(config.seed)
        .num_workers(config.num_workers)
        .set_device(device.clone())
        .build(train_set.clone());
    let loader_eval = DataLoaderBuilder::new(MnistBatcher)
        .batch_size(config.batch_size.max(500))
        .num_workers(config.num_workers)
        .set_device(device.clone())
        .build(eval_set);

    let learner_dir = out.join("burn");
    let training = SupervisedTraining::new(&learner_dir, loader_train, loader_eval);
    let (recorder, records) = Recorder::new(
        training.interrupter(),
        eval_split,
        config.epochs,
        renderer::plain_output(),
    );
    let interrupter = training.interrupter();
    let training = training
        .renderer(renderer::renderer(interrupter))
        .metrics((AccuracyMetric::new(), LossMetric::new()))
        .with_metric_logger(FileMetricLogger::new(&learner_dir))
        .with_metric_logger(recorder)
        .with_default_checkpointers()
        .num_epochs(config.epochs);

    let model = Trainee {
        net: config.model.init(&device.clone().autodiff()),
        grad: config.grad,
    };
    let momentum = (config.momentum > 0.0).then(|| {
        MomentumConfig::new()
            .with_momentum(config.momentum)
            .with_dampening(0.0)
    });
    let decay =
        (config.weight_decay > 0.0).then(|| WeightDecayConfig::new(config.weight_decay as f32));
    let optimizer = SgdConfig::new()
        .with_momentum(momentum)
        .with_weight_decay(decay)
        .init();

    let started = Instant::now();
    let result = training.launch(Learner::new(model, optimizer, config.learning_rate));
    let wall = started.elapsed().as_secs_f64();
    drop(result.renderer);

    let records: Records = std::mem::take(&mut *records.lock().unwrap());
    if let Some(message) = records.diverged {
        return Err(TrainError::Diverged(message));
    }
    let net = result.model.net.valid();
    if !all_finite(&net) {
        return Err(TrainError::Diverged(
            "the trained weights are not finite: training diverged; lower the learning rate (--lr)"
                .into(),
        ));
    }

    let eval_batch = 1000;
    let final_train = evaluate(&net, &train_set, eval_batch, &device);
    let final_test = evaluate(&net, &data.test, eval_batch, &device);

    let train_rows: Vec<_> = records
        .epochs
        .iter()
        .filter(|r| r.split == "train")
        .collect();
    let epoch_seconds: Vec<f64> = train_rows.iter().map(|r| r.seconds).collect();
    let train_seconds = if epoch_seconds.is_empty() {
        wall
    } else {
        epoch_seconds.iter().sum()
    };
    let eval_rows: Vec<_> = records
        .epochs
        .iter()
        .filter(|r| r.split == eval_split)
        .collect();
    let summary = Summary {
        model: config.model.describe(),
        backend: config.backend.name().to_string(),
        adapter: (config.backend == crate::Backend::Wgpu)
            .then(|| crate::backend::wgpu_adapter().ok())
            .flatten(),
        grad: config.grad.name().to_string(),
        epochs: config.epochs,
        batch_size: config.batch_size,
        learning_rate: config.learning_rate,
        train_images,
        eval_split: eval_split.to_string(),
        train_loss: final_train.loss,
        train_accuracy: final_train.accuracy,
        test_loss: final_test.loss,
        test_accuracy: final_test.accuracy,
        best_test_accuracy: (eval_split == "test")
            .then(|| eval_rows.iter().map(|r| r.accuracy).fold(0.0, f64::max)),
        valid_loss: (eval_split == "valid")
            .then(|| eval_rows.last().map(|r| r.loss))
            .flatten(),
        valid_accuracy: (eval_split == "valid")
            .then(|| eval_rows.last().map(|r| r.accuracy))
            .flatten(),
        train_seconds,
        samples_per_second: (train_images * config.epochs) as f64 / train_seconds.max(1e-9),
        epoch_seconds,
    };

    artifacts::write_run(
        out,
        &records.epochs,
        &records.iterations,
        &summary,
        &final_test,
    )?;
    net.clone()
        .save_file(out.join("model.bpk"))
        .map_err(|e| TrainError::Other(format!("{}: {e}", out.join("model.bpk").display())))?;
    draw_figures(out, &records, &summary, &net, &data.test, &final_test)
        .map_err(TrainError::Other)?;
    Ok(summary)
}

fn draw_figures(
    out: &Path,
    records: &Records,
    summary: &Summary,
    net: &mnist_model::Network,
    test: &mnist_data::MnistDataset,
    final_test: &crate::evaluate::Evaluation,
) -> Result<(), String> {
    let what = format!(
        "{} · {} · {} gradients",
        summary.model, summary.backend, summary.grad
    );
    figures::curves(
        &records.epochs,
        &records.iterations,
        &what,
        &out.join("curves.png"),
        Some(&out.join("curves.svg")),
    )?;
    let first = &net.linears()[0].weight;
    let [_, outputs] = first.dims();
    let data: Vec<f32> = first
        .val()
        .into_data()
        .convert::<f32>()
        .try_to_vec()
        .map_err(|e| format!("reading the weights: {e:?}"))?;
    let weights = figures::Weights {
        data: &data,
        outputs,
    };
    match net {
        mnist_model::Network::OneLayer(_) => figures::one_layer_weights(
            &weights,
            &format!("One-layer weights per digit (red: evidence for, blue: against) · {what}"),
            &out.join("weights.png"),
        )?,
        mnist_model::Network::MultiLayer(_) => figures::first_layer_units(
            &weights,
            64,
            &format!("First-layer weights of {} units · {what}", outputs.min(64)),
            &out.join("weights.png"),
        )?,
    }
    figures::confusion(
        final_test,
        &format!(
            "Test confusion matrix, accuracy {:.2}% · {}",
            final_test.accuracy * 100.0,
            summary.model
        ),
        &out.join("confusion.png"),
        Some(&out.join("confusion.svg")),
    )?;
    figures::mistakes(
        final_test,
        test,
        24,
        &format!(
            "Most confident test mistakes (true → predicted) · {}",
            summary.model
        ),
        &out.join("mistakes.png"),
    )
}

fn all_finite(net: &mnist_model::Network) -> bool {
    net.linears().iter().all(|l| {
        let w = l.weight.val().is_finite().all().into_scalar::<bool>();
        let b = l
            .bias
            .as_ref()
            .is_none_or(|b| b.val().is_finite().all().into_scalar::<bool>());
        w && b
    })
}
