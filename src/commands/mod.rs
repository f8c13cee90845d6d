//! One glue module per subcommand: load pods → build the model → analyse → render.

pub mod completion;
pub mod diagnose;
pub mod ls;
pub mod order;
pub mod volumes;
