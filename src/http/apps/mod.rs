//! The browser apps the binary serves itself, with every asset compiled in (a
//! store's network may have no internet): GraphiQL on `/` and the scan app on
//! `/scan`, both over the `embedded` file store. They talk to nothing but this
//! gateway's `/graphql`.

mod embedded;
pub(crate) mod graphiql;
pub(crate) mod scan;

pub use scan::url_for as scan_url;
