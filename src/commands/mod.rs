//! One glue module per subcommand: load pods → build the model → analyse → render.

pub mod ls;
