//! The `/graphql` handler's side of [`Protection`]: has the request admitted, from
//! the verdict kept with its cached answer or on the read batch (or answers the
//! denial as an [`HttpError`]), and says what the client
//! should see on the response: `extensions.cost` when asked (written by whichever
//! way executes the request), the `RateLimit` headers, and the client's label for
//! the request log line.

use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::{BatchRequest, Value};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use crate::graphql::{KnownParse, ResponseExtensions};
use crate::http::edge::ClientLabel;
use crate::http::error::{HttpError, Refusal, insert_rate_limit_headers};
use crate::http::media_type::MediaType;
use crate::http::response_cache::Probe;
use crate::protect::{Admission, Protection, Verdict};

/// An admitted request: its batch (until execution takes it) and its admission.
pub(super) struct Guarded {
    batch: Option<BatchRequest>,
    admission: Admission,
}

/// A refused request, with the client's label when it is known.
pub(super) struct Refused {
    error: HttpError,
    client: Option<Arc<str>>,
}

impl Refused {
    /// The refusal answered in `media_type`, labelled for the log line.
    pub(super) fn in_media_type(self, media_type: MediaType) -> Response {
        let mut response = self.error.in_media_type(media_type).into_response();
        if let Some(client) = self.client {
            response.extensions_mut().insert(ClientLabel(client));
        }
        response
    }
}

impl Guarded {
    /// The batch, with trusted documents' ids replaced by their text.
    pub(super) fn take_batch(&mut self) -> Option<BatchRequest> {
        self.batch.take()
    }

    /// Per operation, the parse protection made of its text (execution compiles a
    /// new text's plan from it instead of parsing again).
    pub(super) fn take_parsed(&mut self) -> Vec<Option<KnownParse>> {
        std::mem::take(&mut self.admission.parsed)
    }

    /// How the payload was admitted, to keep with its answer (`None` when it was
    /// admitted from a kept verdict: its answer is not stored again).
    pub(super) fn verdict(&self) -> Option<Verdict> {
        self.admission.verdict
    }

    /// Whether a stored answer made under `verdict` may be served to this client.
    pub(super) fn may_serve(&self, verdict: &Verdict) -> bool {
        verdict.may_serve_to(self.admission.max_cost)
    }

    /// Per operation, the `extensions` its response gains: `cost` for each that
    /// asked for it (`"extensions": {"cost": true}`).
    pub(super) fn extensions(&self) -> Vec<ResponseExtensions> {
        let admission = &self.admission;
        if !admission.report_cost.contains(&true) {
            return Vec::new();
        }
        admission
            .report_cost
            .iter()
            .enumerate()
            .map(|(index, asked)| {
                let mut added = ResponseExtensions::new();
                if let Some(cost) = admission.costs.get(index).filter(|_| *asked) {
                    let mut fields = async_graphql::indexmap::IndexMap::new();
                    fields.insert(async_graphql::Name::new("estimated"), Value::from(*cost));
                    if let Some(limit) = admission.max_cost {
                        fields.insert(async_graphql::Name::new("maxCost"), Value::from(limit));
                    }
                    added.insert("cost".to_owned(), Value::Object(fields));
                }
                added
            })
            .collect()
    }
}

/// Has `protection` admit the request: from the verdict kept with the answer the
/// response cache found for its payload, when that settles it (the batch is then
/// not read at all: the answer is served as stored), else the long way, on the
/// batch read with `read`.
pub(super) async fn admit(
    protection: &Protection,
    probe: &Probe,
    read: impl FnOnce() -> Result<BatchRequest, HttpError>,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
) -> Result<Guarded, Refused> {
    let refused = |(denial, client)| Refused {
        error: HttpError::new(Refusal::Protection(denial)),
        client,
    };
    if let Some(verdict) = probe.verdict()
        && let Some(admitted) = protection.admit_cached(verdict, headers, peer).await
    {
        return admitted
            .map(|admission| Guarded {
                batch: None,
                admission,
            })
            .map_err(refused);
    }
    let mut batch = read().map_err(|error| Refused {
        error,
        client: None,
    })?;
    match protection.admit(&mut batch, headers, peer).await {
        Ok(admission) => Ok(Guarded {
            batch: Some(batch),
            admission,
        }),
        Err(denied) => Err(refused(denied)),
    }
}

/// Puts the `RateLimit` headers and the client's label on an answer.
pub(super) fn finish(guarded: Option<&Guarded>, mut response: Response) -> Response {
    let Some(guarded) = guarded else {
        return response;
    };
    if let Some(state) = &guarded.admission.rate {
        insert_rate_limit_headers(response.headers_mut(), state);
    }
    if let Some(client) = &guarded.admission.client {
        response
            .extensions_mut()
            .insert(ClientLabel(Arc::clone(client)));
    }
    response
}
