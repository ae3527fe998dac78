//! Throughput of the two ways of computing gradients: the gradient computation
//! alone (forward, loss and backward of one batch), and whole training epochs
//! through burn-train's learner.

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use mnist_data::Mnist;
use mnist_model::{ModelConfig, ModelKind};
use serde::Serialize;

use crate::{Backend, GradMode, TrainingConfig, train};
use hand_backprop::check::random_batch;

#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    pub model: String,
    pub backend: String,
    pub grad: String,
    /// "gradients" (one batch's forward, loss and backward) or "training" (epochs
    /// through the learner, optimizer step and metrics included).
    pub measure: String,
    pub batch_size: usize,
    pub samples: usize,
    pub seconds: f64,
    pub samples_per_second: f64,
}

/// Samples per second of the gradient computation alone, `steps` batches after two
/// warm-up batches.
pub fn gradient_throughput(
    model: &ModelConfig,
    backend: Backend,
    grad: GradMode,
    batch: usize,
    steps: usize,
) -> Result<BenchRow, String> {
    let device = backend.device()?;
    device.seed(1);
    let net = model.init(&device.clone().autodiff());
    let (x, y) = random_batch(batch, &device);
    let run = |n: usize| -> f64 {
        let started = Instant::now();
        let mut check = 0.0f64;
        for _ in 0..n {
            let first = match grad {
                GradMode::Autodiff => {
                    let logits = net.forward(x.clone().autodiff());
                    let loss = CrossEntropyLossConfig::new()
                        .init(&logits.device())
                        .forward(logits, y.clone());
                    let grads = GradientsParams::from_grads(loss.backward(), &net);
                    let id = net.linears()[0].weight.id;
                    grads.get::<2>(id).expect("a gradient")
                }
                GradMode::Hand => {
                    let h = hand_backprop::hand_gradients(&net, x.clone(), y.clone(), 0.0);
                    h.layers.into_iter().next().expect("a layer").weight
                }
            };
            // Reading a value waits for the device, so that every step is counted.
            check += first.slice([0..1, 0..1]).into_scalar::<f64>();
        }
        assert!(check.is_finite());
        started.elapsed().as_secs_f64()
    };
    run(2);
    let seconds = run(steps);
    Ok(BenchRow {
        model: model.describe(),
        backend: backend.name().into(),
        grad: grad.name().into(),
        measure: "gradients".into(),
        batch_size: batch,
        samples: batch * steps,
        seconds,
        samples_per_second: (batch * steps) as f64 / seconds,
    })
}

/// Samples per second of training through the learner (first `limit` images, `epochs` epochs).
pub fn training_throughput(
    model: &ModelConfig,
    backend: Backend,
    grad: GradMode,
    data: Mnist,
    limit: usize,
    epochs: usize,
) -> Result<BenchRow, String> {
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    let config = TrainingConfig::new(model.clone(), backend)
        .with_grad(grad)
        .with_epochs(epochs)
        .with_train_limit(limit);
    let summary = train(&config, data, out.path()).map_err(|e| e.to_string())?;
    Ok(BenchRow {
        model: model.describe(),
        backend: backend.name().into(),
        grad: grad.name().into(),
        measure: "training".into(),
        batch_size: config.batch_size,
        samples: summary.train_images * epochs,
        seconds: summary.train_seconds,
        samples_per_second: summary.samples_per_second,
    })
}

pub fn models() -> Vec<ModelConfig> {
    vec![
        ModelConfig::new(ModelKind::OneLayer),
        ModelConfig::new(ModelKind::Mlp),
    ]
}

pub fn format_rows(rows: &[BenchRow]) -> String {
    let mut out = format!(
        "{:<22} {:<8} {:<9} {:<10} {:>6} {:>8} {:>9} {:>12}\n",
        "model", "backend", "grad", "measure", "batch", "samples", "seconds", "samples/s"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<22} {:<8} {:<9} {:<10} {:>6} {:>8} {:>9.3} {:>12.0}\n",
            r.model,
            r.backend,
            r.grad,
            r.measure,
            r.batch_size,
            r.samples,
            r.seconds,
            r.samples_per_second
        ));
    }
    out
}
