//! graphql (being built).
