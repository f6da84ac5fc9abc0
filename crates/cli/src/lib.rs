//! The `newsflow` command as a library: the stage registry and config
//! loading, the rayon runner, and every subcommand. The binary
//! (`src/main.rs`) only parses the command line and prints errors; the
//! Python bindings (`crates/python`) reuse the config and registry from here
//! so that a stage built from `pipeline.toml` is the same stage in both.

pub mod cli;
pub mod commands;
pub mod config;
pub mod external;
pub mod merge;
pub mod registry;
pub mod report;
pub mod runner;
pub mod summary;
pub mod synth;
