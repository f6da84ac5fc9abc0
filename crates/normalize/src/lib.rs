//! Normalization stage (being built).
#![deny(missing_docs)]
pub mod entities;
