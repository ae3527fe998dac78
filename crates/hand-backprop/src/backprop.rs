//! The forward and backward passes of a whole network, built from [`crate::ops`].

use burn::prelude::*;
use mnist_model::Network;

use crate::ops;

/// One linear layer's parameters, without autodiff: weight `[inputs, outputs]`, bias `[outputs]`.
#[derive(Clone, Debug)]
pub struct LayerParams {
    pub weight: Tensor<2>,
    pub bias: Tensor<1>,
}

/// The parameters of the network's linear layers, input to output, read from the
/// burn module itself and detached from any autodiff graph.
pub fn params_of(network: &Network) -> Vec<LayerParams> {
    network
        .linears()
        .into_iter()
        .map(|l| LayerParams {
            weight: l.weight.val().inner(),
            bias: l
                .bias
                .as_ref()
                .expect("mnist-model's linear layers always have a bias")
                .val()
                .inner(),
        })
        .collect()
}

/// What the forward pass keeps for the backward pass.
#[derive(Clone, Debug)]
pub struct Forward {
    /// a^(0) = x, a^(1), …, a^(L-1): the input of each layer.
    pub inputs: Vec<Tensor<2>>,
    /// z^(1), …, z^(L): each layer's pre-activation; the last is the logits.
    pub pre: Vec<Tensor<2>>,
}

impl Forward {
    pub fn logits(&self) -> Tensor<2> {
        self.pre.last().expect("a network has a layer").clone()
    }
}

/// z^(l) = a^(l-1) W^(l) + b^(l); a^(l) = relu(z^(l)) between layers.
pub fn forward(params: &[LayerParams], x: Tensor<2>) -> Forward {
    let mut inputs = Vec::with_capacity(params.len());
    let mut pre = Vec::with_capacity(params.len());
    let mut a = x;
    for (l, p) in params.iter().enumerate() {
        let z = a.clone().matmul(p.weight.clone()) + p.bias.clone().unsqueeze::<2>();
        inputs.push(a);
        a = if l + 1 < params.len() {
            ops::relu(z.clone())
        } else {
            z.clone()
        };
        pre.push(z);
    }
    Forward { inputs, pre }
}

/// dJ/dW and dJ/db of one layer.
#[derive(Clone, Debug)]
pub struct LayerGrads {
    pub weight: Tensor<2>,
    pub bias: Tensor<1>,
}

/// The loss, the logits and every parameter gradient of one batch.
#[derive(Clone, Debug)]
pub struct HandGradients {
    /// J (plus the decay term when λ > 0), one element.
    pub loss: Tensor<1>,
    pub logits: Tensor<2>,
    /// Input layer first.
    pub layers: Vec<LayerGrads>,
}

/// A deliberate mistake in the backward pass. The tests and
/// `check-grads --inject-fault` use these to show that the checker catches the
/// classic bugs; `Fault::None` is the derivation as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// dJ/dz = p - y, forgetting the 1/n of the mean.
    MissingMean,
    /// dJ/da^(l-1) = dJ/dz^(l) · W (the product with the weight not transposed);
    /// only possible where a layer is square, otherwise it is the shape error itself.
    TransposedProduct,
    /// dJ/dz^(l-1) = dJ/da^(l-1), forgetting the ReLU mask.
    MissingReluMask,
}

impl Fault {
    pub const ALL: [Fault; 4] = [
        Fault::None,
        Fault::MissingMean,
        Fault::TransposedProduct,
        Fault::MissingReluMask,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::MissingMean => "missing-mean",
            Fault::TransposedProduct => "transposed-product",
            Fault::MissingReluMask => "missing-relu-mask",
        }
    }
}

/// The backward pass: from dJ/dz^(L) down to layer 1 (see the derivation).
pub fn backward(
    params: &[LayerParams],
    fwd: &Forward,
    targets: Tensor<1, Int>,
    weight_decay: f64,
    fault: Fault,
) -> Vec<LayerGrads> {
    let n = fwd.inputs[0].dims()[0];
    let mut dz = ops::grad_logits(fwd.logits(), targets);
    if fault == Fault::MissingMean {
        dz = dz.mul_scalar(n as f64);
    }
    let mut grads = Vec::with_capacity(params.len());
    for l in (0..params.len()).rev() {
        let p = &params[l];
        let weight = ops::grad_weight(fwd.inputs[l].clone(), dz.clone());
        let bias = ops::grad_bias(dz.clone());
        grads.push(LayerGrads {
            weight: ops::add_weight_decay(weight, p.weight.clone(), weight_decay),
            bias: ops::add_weight_decay(bias, p.bias.clone(), weight_decay),
        });
        if l > 0 {
            let [inputs, outputs] = p.weight.dims();
            let da = if fault == Fault::TransposedProduct && inputs == outputs {
                dz.matmul(p.weight.clone())
            } else {
                ops::grad_input(dz, p.weight.clone())
            };
            dz = if fault == Fault::MissingReluMask {
                da
            } else {
                ops::relu_backward(da, fwd.pre[l - 1].clone())
            };
        }
    }
    grads.reverse();
    grads
}

/// Loss, logits and gradients of `network` on one batch, with the derivation as written.
pub fn hand_gradients(
    network: &Network,
    images: Tensor<2>,
    targets: Tensor<1, Int>,
    weight_decay: f64,
) -> HandGradients {
    hand_gradients_with(
        &params_of(network),
        images,
        targets,
        weight_decay,
        Fault::None,
    )
}

/// As [`hand_gradients`], on extracted parameters and with an optional deliberate fault.
pub fn hand_gradients_with(
    params: &[LayerParams],
    images: Tensor<2>,
    targets: Tensor<1, Int>,
    weight_decay: f64,
    fault: Fault,
) -> HandGradients {
    let images = images.inner();
    let targets = targets.inner();
    let fwd = forward(params, images);
    let mut loss = ops::cross_entropy(fwd.logits(), targets.clone());
    let penalty = ops::weight_decay_penalty(params, weight_decay);
    if penalty != 0.0 {
        loss = loss.add_scalar(penalty);
    }
    let layers = backward(params, &fwd, targets, weight_decay, fault);
    HandGradients {
        loss,
        logits: fwd.logits(),
        layers,
    }
}
