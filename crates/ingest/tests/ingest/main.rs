//! Integration tests of newsflow-ingest: real files on disk through
//! `Ingest::plan` and `Ingest::batches`. Committed fixtures live in
//! `tests/fixtures/` (one per edge case); binary and encoding fixtures are
//! generated in temporary directories.

mod compression;
mod files;
mod props;
mod records;
mod support;
#[cfg(unix)]
mod walk;
