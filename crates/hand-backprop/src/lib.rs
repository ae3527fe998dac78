#![doc = include_str!("../docs/derivation.md")]
//!
//! # The code
//!
//! - [`ops`]: one function per formula above, on burn tensors of any backend.
//! - [`backprop`]: the forward pass that keeps what the backward pass needs, and the
//!   backward pass, over the parameters of `mnist_model::Network` (no second copy of
//!   the model); no autodiff graph is recorded.
//! - [`check`]: the proof: hand gradients against burn's autodiff and against
//!   central finite differences in f64.

pub mod backprop;
pub mod check;
pub mod ops;

pub use backprop::{
    Fault, HandGradients, LayerGrads, LayerParams, backward, forward, hand_gradients, params_of,
};

/// The derivation, as Markdown, for reports.
pub const DERIVATION_MD: &str = include_str!("../docs/derivation.md");
