//! The proof: hand gradients against burn's autodiff (same inputs, same f32
//! arithmetic, an independent implementation of the chain rule) and against
//! central finite differences of the loss computed in f64 on the host (an
//! independent implementation of the forward pass, sampled coordinates).
//!
//! Errors are reported per parameter tensor as the largest absolute difference and
//! that difference relative to the tensor's gradient scale (the largest |dJ/dθ|
//! autodiff finds in it), so that a tensor of tiny gradients cannot pass or fail by
//! accident of scale.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use mnist_model::Network;
use serde::{Deserialize, Serialize};

use crate::backprop::{Fault, LayerParams, hand_gradients_with, params_of};

/// Largest accepted relative error, hand vs autodiff (both f32; they differ only by
/// the order of floating-point operations).
pub const AUTODIFF_REL_TOL: f64 = 1e-5;
/// Largest accepted relative error, hand (f32) vs central differences (f64, step
/// [`FD_STEP`]); the f32 rounding of the hand gradient dominates.
pub const FD_REL_TOL: f64 = 1e-4;
/// Step of the central differences, in f64.
pub const FD_STEP: f64 = 1e-6;

/// One parameter tensor's comparison.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParamCheck {
    pub parameter: String,
    pub shape: Vec<usize>,
    /// max |hand - autodiff| over the whole tensor.
    pub autodiff_max_abs: f64,
    pub autodiff_max_rel: f64,
    /// max |hand - finite difference| over the sampled coordinates.
    pub fd_max_abs: f64,
    pub fd_max_rel: f64,
    pub fd_samples: usize,
    /// The largest |dJ/dθ| autodiff finds in the tensor (the scale of the relative errors).
    pub grad_scale: f64,
    pub pass: bool,
}

/// One batch's comparison, every parameter tensor of the network.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseReport {
    pub case: String,
    pub model: String,
    pub batch: usize,
    pub weight_decay: f64,
    pub fault: String,
    pub loss_hand: f64,
    pub loss_autodiff: f64,
    pub loss_f64: f64,
    pub params: Vec<ParamCheck>,
    pub pass: bool,
}

/// Options of one comparison.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub weight_decay: f64,
    /// Coordinates per tensor compared with finite differences (the largest hand
    /// gradient's coordinate is always among them).
    pub fd_samples: usize,
    pub seed: u64,
    pub fault: Fault,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            weight_decay: 0.0,
            fd_samples: 12,
            seed: 0,
            fault: Fault::None,
        }
    }
}

/// A random batch: pixels uniform in [0, 1), labels uniform in 0..10.
pub fn random_batch(n: usize, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let images = Tensor::<2>::random(
        [n, mnist_model::INPUTS],
        Distribution::Uniform(0.0, 1.0),
        device,
    );
    let targets = Tensor::<1>::random([n], Distribution::Uniform(0.0, 10.0), device)
        .floor()
        .clamp(0.0, 9.0)
        .int();
    (images, targets)
}

/// Autodiff's loss and gradients (weight, bias per layer) of `network` on one batch:
/// the model's own forward and burn's cross-entropy, plus (λ/2)·sum θ².
pub fn autodiff_gradients(
    network: &Network,
    images: Tensor<2>,
    targets: Tensor<1, Int>,
    weight_decay: f64,
) -> (f64, Vec<(Tensor<2>, Tensor<1>)>) {
    let device = images.device().inner().autodiff();
    let net = network.clone().fork(&device).train();
    let logits = net.forward(images.inner().autodiff());
    let mut loss = CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits, targets.inner());
    if weight_decay != 0.0 {
        for l in net.linears() {
            let b = l.bias.as_ref().expect("bias").val();
            let sq = l.weight.val().powf_scalar(2.0).sum() + b.powf_scalar(2.0).sum();
            loss = loss + sq.mul_scalar(weight_decay / 2.0);
        }
    }
    let grads = loss.backward();
    let value = loss.inner().into_scalar::<f64>();
    let per_layer = net
        .linears()
        .into_iter()
        .map(|l| {
            let w = l.weight.val().grad(&grads).expect("weight gradient");
            let b = l
                .bias
                .as_ref()
                .expect("bias")
                .val()
                .grad(&grads)
                .expect("bias gradient");
            (w, b)
        })
        .collect();
    (value, per_layer)
}

/// Host copies of the parameters in f64, for the finite differences.
#[derive(Clone)]
struct HostLayer {
    inputs: usize,
    outputs: usize,
    weight: Vec<f64>, // [inputs, outputs], row-major
    bias: Vec<f64>,
}

fn to_f64(t: impl Into<TensorData>) -> Vec<f64> {
    let data: TensorData = t.into();
    data.convert::<f64>().try_to_vec::<f64>().expect("f64 data")
}

fn host_layers(params: &[LayerParams]) -> Vec<HostLayer> {
    params
        .iter()
        .map(|p| {
            let [inputs, outputs] = p.weight.dims();
            HostLayer {
                inputs,
                outputs,
                weight: to_f64(p.weight.to_data()),
                bias: to_f64(p.bias.to_data()),
            }
        })
        .collect()
}

/// J_λ in f64: an independent forward pass with plain loops (log-sum-exp shifted by
/// the row maximum, as in the derivation).
fn host_loss(layers: &[HostLayer], x: &[f64], y: &[usize], weight_decay: f64) -> f64 {
    let n = y.len();
    let mut total = 0.0;
    for i in 0..n {
        let mut a: Vec<f64> = x[i * layers[0].inputs..(i + 1) * layers[0].inputs].to_vec();
        for (l, layer) in layers.iter().enumerate() {
            let mut z = layer.bias.clone();
            for (j, &aj) in a.iter().enumerate() {
                if aj != 0.0 {
                    let row = &layer.weight[j * layer.outputs..(j + 1) * layer.outputs];
                    for (zm, &w) in z.iter_mut().zip(row) {
                        *zm += aj * w;
                    }
                }
            }
            if l + 1 < layers.len() {
                z.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            a = z;
        }
        let max = a.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lse = max + a.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
        total += lse - a[y[i]];
    }
    let mut loss = total / n as f64;
    if weight_decay != 0.0 {
        let sq: f64 = layers
            .iter()
            .flat_map(|l| l.weight.iter().chain(&l.bias))
            .map(|v| v * v)
            .sum();
        loss += weight_decay / 2.0 * sq;
    }
    loss
}

/// A small deterministic generator for the sampled coordinates (splitmix64).
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Compares the hand gradients of `network` on one batch with autodiff and with
/// finite differences, for every parameter tensor.
pub fn check_batch(
    case: &str,
    network: &Network,
    images: Tensor<2>,
    targets: Tensor<1, Int>,
    options: &CheckOptions,
) -> CaseReport {
    let params = params_of(network);
    let hand = hand_gradients_with(
        &params,
        images.clone(),
        targets.clone(),
        options.weight_decay,
        options.fault,
    );
    let (loss_autodiff, reference) = autodiff_gradients(
        network,
        images.clone(),
        targets.clone(),
        options.weight_decay,
    );

    let x = to_f64(images.to_data());
    let y: Vec<usize> = targets
        .to_data()
        .convert::<i64>()
        .try_to_vec::<i64>()
        .expect("targets")
        .into_iter()
        .map(|v| v as usize)
        .collect();
    let mut host = host_layers(&params);
    let loss_f64 = host_loss(&host, &x, &y, options.weight_decay);
    let mut rng = SplitMix(options.seed ^ 0x5eed);

    let mut checks = Vec::new();
    for (l, (hand_layer, (ref_w, ref_b))) in hand.layers.iter().zip(reference).enumerate() {
        for (is_bias, hand_t, ref_t) in [
            (
                false,
                to_f64(hand_layer.weight.to_data()),
                to_f64(ref_w.to_data()),
            ),
            (
                true,
                to_f64(hand_layer.bias.to_data()),
                to_f64(ref_b.to_data()),
            ),
        ] {
            let shape = if is_bias {
                vec![host[l].outputs]
            } else {
                vec![host[l].inputs, host[l].outputs]
            };
            let scale = max_abs(&ref_t).max(1e-12);
            let ad_abs = hand_t
                .iter()
                .zip(&ref_t)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));

            // Sampled coordinates: the largest hand gradient and random others.
            let len = hand_t.len();
            let mut coords = vec![
                (0..len)
                    .max_by(|&a, &b| hand_t[a].abs().total_cmp(&hand_t[b].abs()))
                    .unwrap_or(0),
            ];
            coords.extend((1..options.fd_samples.min(len)).map(|_| rng.below(len)));
            let mut fd_abs = 0.0f64;
            for &k in &coords {
                let original = if is_bias {
                    host[l].bias[k]
                } else {
                    host[l].weight[k]
                };
                let set = |host: &mut Vec<HostLayer>, v: f64| {
                    if is_bias {
                        host[l].bias[k] = v;
                    } else {
                        host[l].weight[k] = v;
                    }
                };
                set(&mut host, original + FD_STEP);
                let plus = host_loss(&host, &x, &y, options.weight_decay);
                set(&mut host, original - FD_STEP);
                let minus = host_loss(&host, &x, &y, options.weight_decay);
                set(&mut host, original);
                let fd = (plus - minus) / (2.0 * FD_STEP);
                fd_abs = fd_abs.max((hand_t[k] - fd).abs());
            }
            let autodiff_max_rel = ad_abs / scale;
            let fd_max_rel = fd_abs / scale;
            checks.push(ParamCheck {
                parameter: format!("layer{}.{}", l + 1, if is_bias { "bias" } else { "weight" }),
                shape,
                autodiff_max_abs: ad_abs,
                autodiff_max_rel,
                fd_max_abs: fd_abs,
                fd_max_rel,
                fd_samples: coords.len(),
                grad_scale: scale,
                pass: autodiff_max_rel <= AUTODIFF_REL_TOL && fd_max_rel <= FD_REL_TOL,
            });
        }
    }
    let widths: Vec<String> = std::iter::once(host[0].inputs)
        .chain(host.iter().map(|l| l.outputs))
        .map(|w| w.to_string())
        .collect();
    CaseReport {
        case: case.to_string(),
        model: format!("{} {}", network.kind(), widths.join("-")),
        batch: y.len(),
        weight_decay: options.weight_decay,
        fault: options.fault.name().to_string(),
        loss_hand: hand.loss.into_scalar::<f64>(),
        loss_autodiff,
        loss_f64,
        pass: checks.iter().all(|c| c.pass),
        params: checks,
    }
}

/// The table `check-grads` prints.
pub fn format_table(reports: &[CaseReport]) -> String {
    let mut out = format!(
        "tolerances: relative error (max |hand - reference| / max |autodiff gradient| of the tensor) \
         <= {AUTODIFF_REL_TOL:e} vs autodiff, <= {FD_REL_TOL:e} vs central differences in f64 (step {FD_STEP:e})\n"
    );
    for r in reports {
        out.push_str(&format!(
            "\n{} | {} | batch {} | weight decay {} | loss hand {:.6} autodiff {:.6} f64 {:.6}{}\n",
            r.case,
            r.model,
            r.batch,
            r.weight_decay,
            r.loss_hand,
            r.loss_autodiff,
            r.loss_f64,
            if r.fault != "none" {
                format!(" | injected fault: {}", r.fault)
            } else {
                String::new()
            }
        ));
        out.push_str(&format!(
            "  {:<14} {:>10}  {:>10} {:>10}  {:>10} {:>10}  {}\n",
            "parameter", "shape", "ad abs", "ad rel", "fd abs", "fd rel", "result"
        ));
        for c in &r.params {
            let shape: Vec<String> = c.shape.iter().map(|d| d.to_string()).collect();
            out.push_str(&format!(
                "  {:<14} {:>10}  {:>10.2e} {:>10.2e}  {:>10.2e} {:>10.2e}  {}\n",
                c.parameter,
                shape.join("x"),
                c.autodiff_max_abs,
                c.autodiff_max_rel,
                c.fd_max_abs,
                c.fd_max_rel,
                if c.pass { "ok" } else { "FAIL" }
            ));
        }
    }
    out
}
