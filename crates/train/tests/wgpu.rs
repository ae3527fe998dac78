//! The wgpu backend against the ndarray backend: same parameters and batch give the
//! same logits, loss and autodiff gradients; the hand gradients on wgpu match
//! autodiff on wgpu; a short training run reaches the same accuracy band.
//!
//! Built with `--features mnist-train/wgpu`. Without a GPU adapter (no Vulkan
//! driver) the tests say so and pass, unless `MNIST_REQUIRE_WGPU` is set, as CI
//! does after installing Mesa's software Vulkan device: then they fail.
#![cfg(feature = "wgpu")]
#![allow(deprecated)] // Device::ndarray: the reference CPU backend

use burn::prelude::*;
use hand_backprop::check::random_batch;
use hand_backprop::check::{CheckOptions, autodiff_gradients, check_batch};
use mnist_data::{Mnist, fetch};
use mnist_model::{ModelConfig, ModelKind, Network};
use mnist_train::{Backend, TrainingConfig, train};

/// Largest relative difference accepted between the backends (GPU reductions add
/// in another order than the CPU's).
const BACKEND_REL_TOL: f64 = 1e-4;

fn wgpu_device() -> Option<Device> {
    match mnist_train::backend::wgpu_adapter() {
        Ok(adapter) => {
            eprintln!("wgpu adapter: {adapter}");
            Some(Backend::Wgpu.device().expect("an adapter was found"))
        }
        Err(e) if std::env::var_os("MNIST_REQUIRE_WGPU").is_some() => {
            panic!("MNIST_REQUIRE_WGPU is set but: {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED (set MNIST_REQUIRE_WGPU to fail instead): {e}");
            None
        }
    }
}

fn values(t: impl Into<TensorData>) -> Vec<f64> {
    let data: TensorData = t.into();
    data.convert::<f64>().try_to_vec::<f64>().unwrap()
}

/// max |a - b| / max |b|.
fn rel_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-12);
    a.iter().zip(b).fold(0f64, |m, (x, y)| m.max((x - y).abs())) / scale
}

fn network(kind: ModelKind) -> Network {
    let cpu = Device::ndarray();
    cpu.seed(11);
    ModelConfig::new(kind).with_hidden(vec![64, 32]).init(&cpu)
}

#[test]
fn same_logits_loss_and_autodiff_gradients_on_both_backends() {
    let Some(gpu) = wgpu_device() else { return };
    let cpu = Device::ndarray();
    for kind in [ModelKind::OneLayer, ModelKind::Mlp] {
        let net_cpu = network(kind);
        let net_gpu = net_cpu.clone().to_device(&gpu);
        cpu.seed(12);
        let (x, y) = random_batch(16, &cpu);
        let x_gpu = Tensor::<2>::from_data(x.to_data(), &gpu);
        let y_gpu = Tensor::<1, Int>::from_data(y.to_data(), &gpu);

        let logits = rel_diff(
            &values(net_gpu.forward(x_gpu.clone()).into_data()),
            &values(net_cpu.forward(x.clone()).into_data()),
        );
        assert!(
            logits < BACKEND_REL_TOL,
            "{kind}: logits differ by {logits:e}"
        );

        let (loss_cpu, grads_cpu) = autodiff_gradients(&net_cpu, x, y, 0.0);
        let (loss_gpu, grads_gpu) = autodiff_gradients(&net_gpu, x_gpu, y_gpu, 0.0);
        assert!(
            (loss_cpu - loss_gpu).abs() < BACKEND_REL_TOL * loss_cpu.abs(),
            "{kind}: loss {loss_cpu} on ndarray, {loss_gpu} on wgpu"
        );
        for (l, ((wc, bc), (wg, bg))) in grads_cpu.into_iter().zip(grads_gpu).enumerate() {
            let w = rel_diff(&values(wg.into_data()), &values(wc.into_data()));
            let b = rel_diff(&values(bg.into_data()), &values(bc.into_data()));
            assert!(
                w < BACKEND_REL_TOL && b < BACKEND_REL_TOL,
                "{kind} layer {l}: {w:e} {b:e}"
            );
        }
    }
}

#[test]
fn hand_gradients_on_wgpu_match_autodiff_on_wgpu() {
    let Some(gpu) = wgpu_device() else { return };
    for kind in [ModelKind::OneLayer, ModelKind::Mlp] {
        let net = network(kind).to_device(&gpu);
        gpu.seed(13);
        let (x, y) = random_batch(8, &gpu);
        let options = CheckOptions {
            weight_decay: 0.01,
            fd_samples: 6,
            ..Default::default()
        };
        let report = check_batch("wgpu", &net, x, y, &options);
        assert!(
            report.pass,
            "{}",
            hand_backprop::check::format_table(std::slice::from_ref(&report))
        );
    }
}

#[test]
fn short_training_on_wgpu_reaches_the_ndarray_accuracy_band() {
    let Some(_gpu) = wgpu_device() else { return };
    let dir = fetch::default_data_dir();
    fetch::ensure_mnist(&dir, &mut |l| eprintln!("{l}")).unwrap();
    let mut accuracies = Vec::new();
    for backend in [Backend::Ndarray, Backend::Wgpu] {
        let out = tempfile::tempdir().unwrap();
        let config = TrainingConfig::new(ModelConfig::new(ModelKind::OneLayer), backend)
            .with_epochs(1)
            .with_train_limit(10_000);
        let summary = train(&config, Mnist::load(&dir).unwrap(), out.path()).unwrap();
        assert_eq!(summary.backend, backend.name());
        accuracies.push(summary.test_accuracy);
    }
    let (cpu, gpu) = (accuracies[0], accuracies[1]);
    assert!(gpu > 0.85, "wgpu test accuracy {gpu}");
    assert!((cpu - gpu).abs() < 0.01, "ndarray {cpu} vs wgpu {gpu}");
}
