//! The hand gradients equal autodiff's and the finite differences', and the
//! checker catches the classic mistakes.

// burn marks `Device::ndarray` deprecated in favour of `flex`; ndarray is this
// project's reference CPU backend.
#![allow(deprecated)]

use burn::prelude::*;
use hand_backprop::check::{AUTODIFF_REL_TOL, CheckOptions, check_batch, random_batch};
use hand_backprop::{Fault, hand_gradients, ops};
use mnist_model::{ModelConfig, ModelKind, Network};

fn device() -> Device {
    Device::ndarray()
}

fn net(kind: ModelKind, hidden: &[usize], seed: u64) -> Network {
    let dev = device();
    dev.seed(seed);
    ModelConfig::new(kind)
        .with_hidden(hidden.to_vec())
        .init(&dev)
}

fn batch(n: usize, seed: u64) -> (Tensor<2>, Tensor<1, Int>) {
    let dev = device();
    dev.seed(seed);
    random_batch(n, &dev)
}

fn check(
    kind: ModelKind,
    hidden: &[usize],
    n: usize,
    wd: f64,
    fault: Fault,
) -> hand_backprop::check::CaseReport {
    let network = net(kind, hidden, 1);
    let (x, y) = batch(n, 2);
    let options = CheckOptions {
        weight_decay: wd,
        fd_samples: 8,
        seed: 3,
        fault,
    };
    check_batch("test", &network, x, y, &options)
}

fn assert_pass(report: &hand_backprop::check::CaseReport) {
    assert!(
        report.pass,
        "{}",
        hand_backprop::check::format_table(std::slice::from_ref(report))
    );
    assert!((report.loss_hand - report.loss_f64).abs() < 1e-4 * report.loss_f64.abs().max(1.0));
    assert!((report.loss_autodiff - report.loss_f64).abs() < 1e-4 * report.loss_f64.abs().max(1.0));
}

#[test]
fn one_layer_single_image() {
    assert_pass(&check(ModelKind::OneLayer, &[], 1, 0.0, Fault::None));
}

#[test]
fn one_layer_batch_with_weight_decay() {
    let r = check(ModelKind::OneLayer, &[], 16, 0.01, Fault::None);
    assert_pass(&r);
    assert_eq!(r.params.len(), 2);
    assert_eq!(r.params[0].shape, vec![784, 10]);
}

#[test]
fn mlp_default_widths() {
    let r = check(ModelKind::Mlp, &[256, 128], 8, 0.0, Fault::None);
    assert_pass(&r);
    assert_eq!(r.params.len(), 6);
}

#[test]
fn mlp_deep_square_with_weight_decay() {
    assert_pass(&check(ModelKind::Mlp, &[16, 16, 16], 8, 0.01, Fault::None));
}

#[test]
fn checker_catches_a_missing_mean() {
    let r = check(ModelKind::OneLayer, &[], 8, 0.0, Fault::MissingMean);
    assert!(!r.pass);
    assert!(
        r.params.iter().all(|p| p.autodiff_max_rel > 1.0),
        "{:?}",
        r.params
    );
}

#[test]
fn checker_catches_a_transposed_product() {
    let r = check(ModelKind::Mlp, &[16, 16], 8, 0.0, Fault::TransposedProduct);
    assert!(!r.pass);
    // The last layer's gradients come before the faulty product and stay right.
    let last = &r.params[r.params.len() - 2..];
    assert!(last.iter().all(|p| p.pass), "{:?}", last);
    assert!(!r.params[0].pass && !r.params[1].pass);
}

#[test]
fn checker_catches_a_missing_relu_mask() {
    let r = check(ModelKind::Mlp, &[32], 8, 0.0, Fault::MissingReluMask);
    assert!(!r.pass);
    assert!(!r.params[0].pass, "{:?}", r.params[0]);
    assert!(r.params[2].pass && r.params[3].pass);
}

#[test]
fn softmax_and_loss_are_finite_for_huge_logits() {
    let dev = device();
    let z = Tensor::<2>::from_data(
        [[1000.0f32, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]],
        &dev,
    );
    let y = Tensor::<1, Int>::from_data([1i64, 2], &dev);
    let p: Vec<f32> = ops::softmax(z.clone()).into_data().try_to_vec().unwrap();
    assert!(p.iter().all(|v| v.is_finite()));
    assert!((p[0] - 1.0).abs() < 1e-6 && p[1] == 0.0);
    let loss = ops::cross_entropy(z.clone(), y.clone()).into_scalar::<f32>();
    // sample 0: -log p = 2000 (label has logit -1000 against 1000); sample 1: 0.
    assert!((loss - 1000.0).abs() < 1e-2, "{loss}");
    let g: Vec<f32> = ops::grad_logits(z, y).into_data().try_to_vec().unwrap();
    assert!(g.iter().all(|v| v.is_finite()));
    assert!((g[0] - 0.5).abs() < 1e-6 && (g[1] + 0.5).abs() < 1e-6);
}

#[test]
fn hand_gradients_match_autodiff_on_huge_logits() {
    let network = net(ModelKind::OneLayer, &[], 5);
    let network = match network {
        Network::OneLayer(mut m) => {
            m.linear.weight = m.linear.weight.map(|w| w.mul_scalar(3000.0));
            Network::OneLayer(m)
        }
        other => other,
    };
    let (x, y) = batch(4, 6);
    let hand = hand_gradients(&network, x.clone(), y.clone(), 0.0);
    let loss = hand.loss.clone().into_scalar::<f32>();
    assert!(loss.is_finite() && loss > 10.0, "{loss}");
    let (ad_loss, ad) = hand_backprop::check::autodiff_gradients(&network, x, y, 0.0);
    assert!((f64::from(loss) - ad_loss).abs() < 1e-3 * ad_loss);
    let hw: Vec<f32> = hand.layers[0]
        .weight
        .clone()
        .into_data()
        .try_to_vec()
        .unwrap();
    let aw: Vec<f32> = ad[0].0.clone().into_data().try_to_vec().unwrap();
    let scale = aw.iter().fold(0f32, |m, v| m.max(v.abs()));
    let err = hw
        .iter()
        .zip(&aw)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(f64::from(err / scale) < AUTODIFF_REL_TOL, "{err} / {scale}");
}
