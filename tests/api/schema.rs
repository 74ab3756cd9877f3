//! The committed SDL (`schema.graphql`) is the public contract: it must equal the code's.

use catalog_gateway::graphql::sdl;

#[test]
fn committed_schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).expect("schema.graphql is committed");

    assert!(
        committed == sdl(),
        "schema.graphql differs from the code's SDL: run `make schema`, review the diff \
         (a breaking change needs a reason in the commit message) and commit it"
    );
}
