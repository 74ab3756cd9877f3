//! Every `extensions.code` a client can see, in one enum: the GraphQL errors, the
//! per-line `lookups` errors and the HTTP-level refusals all take their code from
//! here, so a code cannot be misspelt in one place or forgotten in docs/errors.md (a test
//! below checks that page's "Codes" table against [`ErrorCode::ALL`]).
//!
//! This module knows no other module: `graphql::errors` turns failures into GraphQL
//! errors with these codes, `http::HttpError` turns HTTP-level refusals into
//! responses with them.

use std::fmt;

/// Declares the enum, its wire names and the list of all codes in one table, so a
/// new code is one line and cannot be left out of [`ErrorCode::ALL`].
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)+) => {
        /// A client-visible error code (`extensions.code`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)+
        }

        impl ErrorCode {
            /// Every code, in the order of docs/errors.md.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code as clients see it (`SCREAMING_SNAKE_CASE`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }
        }
    };
}

error_codes! {
    /// The code is not a valid GTIN (`reason`, `message`, `hint`, `input` say why).
    InvalidGtin => "INVALID_GTIN",
    /// A coupon or refund receipt, or a GS1 key other than a GTIN (an SSCC, a GLN …):
    /// no product to look up, no upstream call.
    NotATradeItem => "NOT_A_TRADE_ITEM",
    /// A date argument (`ScanData.expired(today:)`) that is not `YYYY-MM-DD`.
    InvalidDate => "INVALID_DATE",
    /// `GtinInfo.digitalLink(compressed: true)` for values the compressed form cannot carry.
    NotCompressible => "NOT_COMPRESSIBLE",
    /// The Digital Link resolver: the catalog has no such product (HTTP 404).
    ProductNotFound => "PRODUCT_NOT_FOUND",
    /// The Digital Link resolver: `linkType` names a link the product lacks (HTTP 404).
    LinkTypeNotFound => "LINK_TYPE_NOT_FOUND",
    /// More GTINs in one operation than `--max-gtins-per-query`.
    TooManyGtins => "TOO_MANY_GTINS",
    /// A batched JSON array longer than `--max-operations` (HTTP 400).
    TooManyOperations => "TOO_MANY_OPERATIONS",
    /// More aliased fields than `--max-aliases`.
    TooManyAliases => "TOO_MANY_ALIASES",
    /// More root fields in an operation than `--max-root-fields`.
    TooManyRootFields => "TOO_MANY_ROOT_FIELDS",
    /// Nested deeper than `--max-depth`.
    QueryTooDeep => "QUERY_TOO_DEEP",
    /// More complex than `--max-complexity`.
    QueryTooComplex => "QUERY_TOO_COMPLEX",
    /// `__schema` or `__type` asked of a gateway run with `--introspection off`.
    IntrospectionDisabled => "INTROSPECTION_DISABLED",
    /// The document is not GraphQL (syntax, or nested past the parser's limit).
    GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
    /// The document does not validate against the schema.
    GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
    /// Over `--max-in-flight`: HTTP 503 with `Retry-After: 1`.
    Overloaded => "OVERLOADED",
    /// An APQ hash this replica does not know: resend it with the query.
    PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
    /// An APQ hash that is not the SHA-256 of the query sent with it.
    PersistedQueryHashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
    /// An `extensions.persistedQuery` that is malformed or not version 1.
    PersistedQueryInvalid => "PERSISTED_QUERY_INVALID",
    /// The catalog did not answer in time.
    UpstreamTimeout => "UPSTREAM_TIMEOUT",
    /// The catalog could not be reached or failed.
    UpstreamUnavailable => "UPSTREAM_UNAVAILABLE",
    /// The catalog answered outside its contract.
    UpstreamBadResponse => "UPSTREAM_BAD_RESPONSE",
    /// The catalog refused the gateway's own credentials (an operator's setting).
    UpstreamUnauthorized => "UPSTREAM_UNAUTHORIZED",
    /// An HTTP request that is not a GraphQL request (HTTP 400).
    BadRequest => "BAD_REQUEST",
    /// A body over `--max-body-bytes` (HTTP 413).
    PayloadTooLarge => "PAYLOAD_TOO_LARGE",
    /// A body not received within `--body-read-timeout-ms` (HTTP 408, connection closed).
    RequestTimeout => "REQUEST_TIMEOUT",
    /// A method other than GET and POST, or a mutation over GET (HTTP 405).
    MethodNotAllowed => "METHOD_NOT_ALLOWED",
    /// A POST body that is not `application/json` (HTTP 415).
    UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
    /// An `Accept` the gateway cannot satisfy (HTTP 406).
    NotAcceptable => "NOT_ACCEPTABLE",
    /// `--trusted-documents-mode enforce` and an operation not in the manifest (HTTP 400).
    PersistedQueryNotAllowed => "PERSISTED_QUERY_NOT_ALLOWED",
    /// An operation costlier than `--max-cost` (HTTP 400; `cost` and `maxCost` in `extensions`).
    QueryTooCostly => "QUERY_TOO_COSTLY",
    /// Over the client's `--rate-limit` (HTTP 429 with `Retry-After` and `RateLimit` headers).
    RateLimited => "RATE_LIMITED",
    /// `--api-keys` is set and the request has no valid key (HTTP 401).
    Unauthenticated => "UNAUTHENTICATED",
    /// `POST /admin/invalidate` without the right `Authorization: Bearer` token (HTTP 401).
    Unauthorized => "UNAUTHORIZED",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the wire name, so tests can write `assert_eq!(code, "INVALID_GTIN")`.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The codes in the first column of the "Codes" table of docs/errors.md.
    fn documented_codes() -> BTreeSet<String> {
        let page = include_str!("../docs/errors.md");
        let section = page
            .split("\n## Codes\n")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or_default();
        section
            .lines()
            .filter(|line| line.starts_with("| `"))
            .filter_map(|line| line.split('|').nth(1))
            .flat_map(|cell| cell.split('`').skip(1).step_by(2).map(str::to_owned))
            .collect()
    }

    #[test]
    fn the_errors_page_documents_exactly_the_codes_of_the_enum() {
        let documented = documented_codes();
        let declared: BTreeSet<String> = ErrorCode::ALL
            .iter()
            .map(|code| code.as_str().to_owned())
            .collect();
        assert!(
            !documented.is_empty(),
            "no Codes table found in docs/errors.md"
        );
        let undocumented: Vec<_> = declared.difference(&documented).collect();
        let unknown: Vec<_> = documented.difference(&declared).collect();
        assert!(
            undocumented.is_empty() && unknown.is_empty(),
            "docs/errors.md Codes table: missing {undocumented:?}, not in ErrorCode {unknown:?}"
        );
    }

    #[test]
    fn codes_are_unique_and_screaming_snake_case() {
        let mut seen = BTreeSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{text}"
            );
        }
    }
}
