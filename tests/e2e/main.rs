//! End-to-end tests: the `newsflow` binary on the shipped seeds and on small
//! fixtures, one file per edge case.

mod accounting;
mod docs;
mod external;
mod golden;
mod pipe;
mod resume;
mod seeds;
mod shards;
mod train;
