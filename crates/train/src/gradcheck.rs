//! The cases `check-grads` runs: random and real MNIST batches, batch sizes 1 and
//! larger, several depths and widths, with and without weight decay, and logits
//! around ±1000 for the stability of the softmax.

use burn::prelude::*;
use hand_backprop::Fault;
use hand_backprop::check::{CaseReport, CheckOptions, check_batch, random_batch};
use mnist_data::{MnistBatcher, MnistDataset};
use mnist_model::{ModelConfig, ModelKind, Network};

use crate::cli::CheckModel;

/// The first `n` images of a data set as one batch.
pub fn data_batch(data: &MnistDataset, n: usize, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let items: Vec<_> = (0..n).filter_map(|i| data.item(i)).collect();
    let batch = MnistBatcher::batch_items(&items, device);
    (batch.images, batch.targets)
}

/// Multiplies every weight and bias by `factor` (to push the logits far out).
pub fn scale_network(net: Network, factor: f64) -> Network {
    let scale = |l: burn::nn::Linear| burn::nn::Linear {
        weight: l.weight.map(|w| w.mul_scalar(factor)),
        bias: l.bias.map(|b| b.map(|t| t.mul_scalar(factor))),
    };
    match net {
        Network::OneLayer(mut m) => {
            m.linear = scale(m.linear);
            Network::OneLayer(m)
        }
        Network::MultiLayer(mut m) => {
            m.layers = m.layers.into_iter().map(scale).collect();
            Network::MultiLayer(m)
        }
    }
}

struct Case {
    name: &'static str,
    kind: ModelKind,
    hidden: Vec<usize>,
    batch: usize,
    weight_decay: f64,
    mnist: bool,
    logit_scale: Option<f64>,
}

fn cases(which: CheckModel) -> Vec<Case> {
    let c = |name, kind, hidden: &[usize], batch, weight_decay, mnist, logit_scale| Case {
        name,
        kind,
        hidden: hidden.to_vec(),
        batch,
        weight_decay,
        mnist,
        logit_scale,
    };
    let one = ModelKind::OneLayer;
    let mlp = ModelKind::Mlp;
    let all = vec![
        c("random, one image", one, &[], 1, 0.0, false, None),
        c("random batch", one, &[], 32, 0.0, false, None),
        c(
            "random batch, weight decay",
            one,
            &[],
            32,
            0.01,
            false,
            None,
        ),
        c(
            "random batch, logits near ±1000",
            one,
            &[],
            8,
            0.0,
            false,
            Some(3000.0),
        ),
        c("MNIST batch", one, &[], 64, 0.0, true, None),
        c("random, one image", mlp, &[256, 128], 1, 0.0, false, None),
        c("random batch", mlp, &[256, 128], 16, 0.0, false, None),
        c(
            "random batch, weight decay",
            mlp,
            &[32],
            16,
            0.01,
            false,
            None,
        ),
        c(
            "random batch, deep and square",
            mlp,
            &[16, 16, 16],
            8,
            0.0,
            false,
            None,
        ),
        c("MNIST batch", mlp, &[256, 128], 32, 0.0, true, None),
        c(
            "MNIST batch, weight decay",
            mlp,
            &[64, 32],
            32,
            0.001,
            true,
            None,
        ),
    ];
    all.into_iter()
        .filter(|case| match which {
            CheckModel::All => true,
            CheckModel::OneLayer => case.kind == ModelKind::OneLayer,
            CheckModel::Mlp => case.kind == ModelKind::Mlp,
        })
        .collect()
}

/// Runs every selected case; `mnist` supplies the real batches (cases needing it are
/// skipped when it is `None`).
pub fn run_checks(
    which: CheckModel,
    device: &Device,
    mnist: Option<&MnistDataset>,
    seed: u64,
    fd_samples: usize,
    fault: Fault,
) -> Vec<CaseReport> {
    let mut reports = Vec::new();
    for (k, case) in cases(which).into_iter().enumerate() {
        if case.mnist && mnist.is_none() {
            continue;
        }
        device.seed(seed + k as u64);
        let mut net = ModelConfig::new(case.kind)
            .with_hidden(case.hidden.clone())
            .init(device);
        if let Some(factor) = case.logit_scale {
            net = scale_network(net, factor);
        }
        let (images, targets) = match (case.mnist, mnist) {
            (true, Some(data)) => data_batch(data, case.batch, device),
            _ => random_batch(case.batch, device),
        };
        let options = CheckOptions {
            weight_decay: case.weight_decay,
            fd_samples,
            seed: seed + k as u64,
            fault,
        };
        reports.push(check_batch(case.name, &net, images, targets, &options));
    }
    reports
}
