//! Tests that keep the documentation true to the code and the repository whole: the
//! settings table against the real command line, and every citation of a document
//! against the files the repository holds. Plain file reads and the clap definition,
//! no gateway process, so they run in milliseconds.

mod citations; // no file cites a document the repository does not hold
mod settings_table; // docs/settings.md lists exactly the flags of `catalog-gateway --help`
