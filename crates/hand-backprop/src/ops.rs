//! One function per formula of the derivation (see the crate documentation).
//! Shapes use burn's layout: a batch is `[n, features]`, a weight `[inputs, outputs]`.

use burn::prelude::*;

/// p_im = exp(z_im) / sum_k exp(z_ik), with z shifted by its row maximum first.
pub fn softmax(z: Tensor<2>) -> Tensor<2> {
    let shifted = z.clone() - z.max_dim(1);
    let e = shifted.exp();
    e.clone() / e.sum_dim(1)
}

/// log p_im = s_im - log sum_k exp(s_ik), with s = z - max_k z_ik: finite for any finite z.
pub fn log_softmax(z: Tensor<2>) -> Tensor<2> {
    let shifted = z.clone() - z.max_dim(1);
    shifted.clone() - shifted.exp().sum_dim(1).log()
}

/// y_im: 1 where m is the label of sample i, else 0. `[n, classes]`.
pub fn one_hot(targets: Tensor<1, Int>, classes: usize) -> Tensor<2> {
    targets.one_hot::<2>(classes).float()
}

/// J = (1/n) sum_i -log p_{i,y_i}, as a one-element tensor.
pub fn cross_entropy(z: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let [n, classes] = z.dims();
    let y = one_hot(targets, classes);
    (log_softmax(z) * y).sum().neg().div_scalar(n as f64)
}

/// dJ/dz_im = (p_im - y_im) / n.
pub fn grad_logits(z: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<2> {
    let [n, classes] = z.dims();
    (softmax(z) - one_hot(targets, classes)).div_scalar(n as f64)
}

/// dJ/db_m = sum_i dJ/dz_im.
pub fn grad_bias(dz: Tensor<2>) -> Tensor<1> {
    dz.sum_dim(0).squeeze::<1>()
}

/// dJ/dw_mj = sum_i dJ/dz_im a_ij, i.e. `aᵀ · dz` (`[inputs, outputs]`).
pub fn grad_weight(a_prev: Tensor<2>, dz: Tensor<2>) -> Tensor<2> {
    a_prev.transpose().matmul(dz)
}

/// dJ/da^(l-1)_ij = sum_m dJ/dz^(l)_im w^(l)_mj, i.e. `dz · Wᵀ` with W stored `[inputs, outputs]`.
pub fn grad_input(dz: Tensor<2>, weight: Tensor<2>) -> Tensor<2> {
    dz.matmul(weight.transpose())
}

/// dJ/dz_ij = dJ/da_ij · [z_ij > 0]: the ReLU mask.
pub fn relu_backward(da: Tensor<2>, z: Tensor<2>) -> Tensor<2> {
    da.mask_fill(z.lower_equal_elem(0.0), 0.0)
}

/// relu(z) = max(z, 0).
pub fn relu(z: Tensor<2>) -> Tensor<2> {
    z.clone().mask_fill(z.lower_equal_elem(0.0), 0.0)
}

/// dJ_λ/dθ = dJ/dθ + λ θ.
pub fn add_weight_decay<const D: usize>(
    grad: Tensor<D>,
    param: Tensor<D>,
    lambda: f64,
) -> Tensor<D> {
    if lambda == 0.0 {
        grad
    } else {
        grad + param.mul_scalar(lambda)
    }
}

/// (λ/2) sum θ² over the given parameters: the decay term of J_λ.
pub fn weight_decay_penalty(params: &[crate::LayerParams], lambda: f64) -> f64 {
    if lambda == 0.0 {
        return 0.0;
    }
    params
        .iter()
        .map(|p| {
            let w: f64 = p.weight.clone().powf_scalar(2.0).sum().into_scalar::<f64>();
            let b: f64 = p.bias.clone().powf_scalar(2.0).sum().into_scalar::<f64>();
            w + b
        })
        .sum::<f64>()
        * lambda
        / 2.0
}
