//! The calls of a source described by a [`Mapping`]: keys in the source's form,
//! chunks of at most its `max_keys`, and the pages of each chunk followed until every
//! key is answered or the source says there is no more (a `next` link, a `total`, or
//! a page shorter than asked). A page that cannot be followed (a broken link, a
//! failed call, more pages than keys) never reads as "not found": the keys it left
//! unanswered get the error.
//!
//! Every call goes through [`RestCatalog::call`], so the breaker, retries, budget and
//! deadlines are the same as for the native contract.

use tokio::time::Instant;

use super::{MAX_FETCH_DEADLINE, Reply, RestCatalog, gather, in_order};
use crate::catalog::mapping::{Asked, Mapping, Outgoing, Trace, TraceLine, next_url};
use crate::catalog::{CatalogError, FetchResult};
use crate::gtin::Gtin;
use crate::hashing::{FastHasher, FastSet};

impl RestCatalog {
    /// Looks `keys` up at a mapped source, recording requests and raw items in
    /// `trace` when given (`upstream check`).
    pub(super) async fn fetch_mapped(
        &self,
        mapping: &Mapping,
        keys: &[Gtin],
        trace: Option<&Trace>,
    ) -> Vec<FetchResult> {
        let mut seen = FastSet::with_capacity_and_hasher(keys.len(), FastHasher::default());
        let wire: Vec<(Gtin, String)> = keys
            .iter()
            .filter(|gtin| seen.insert(**gtin))
            .filter_map(|gtin| Some((*gtin, mapping.key(gtin)?)))
            .collect();
        let deadline = Instant::now() + self.fetch_deadline.min(MAX_FETCH_DEADLINE);
        let batch = (self.batch && mapping.batch.is_some()).then_some(self.max_batch);
        let answered = gather(
            &wire,
            batch,
            |chunk| self.fetch_pages(mapping, chunk, deadline, trace),
            |(gtin, key)| self.fetch_single(mapping, gtin, key, deadline, trace),
        )
        .await;
        in_order(keys, seen.len(), answered)
    }

    /// Looks `keys` up as [`Catalog::fetch`](crate::catalog::Catalog::fetch) does,
    /// and says what was sent and read: for a person writing a mapping.
    pub async fn check(&self, keys: &[Gtin]) -> (Vec<FetchResult>, Vec<TraceLine>) {
        let trace = Trace::default();
        let results = match &self.mapping {
            Some(mapping) => self.fetch_mapped(mapping, keys, Some(&trace)).await,
            None => crate::catalog::Catalog::fetch(self, keys).await,
        };
        (results, trace.lines())
    }

    /// One chunk with the batch call, page after page.
    async fn fetch_pages(
        &self,
        mapping: &Mapping,
        chunk: &[(Gtin, String)],
        deadline: Instant,
        trace: Option<&Trace>,
    ) -> Vec<FetchResult> {
        let asked = Asked::new(chunk);
        let keys: Vec<&str> = chunk.iter().map(|(_, key)| key.as_str()).collect();
        let follows_links = mapping.batch.as_ref().is_some_and(|b| b.next.is_some());
        let reads_total = mapping.batch.as_ref().is_some_and(|b| b.total.is_some());
        let mut found: Vec<Option<FetchResult>> = vec![None; chunk.len()];
        let mut pending = chunk.len();
        let (mut page, mut offset, mut broken, mut items_seen) = (1usize, 0usize, 0usize, 0u64);
        // Why the keys left unanswered cannot be called "not found".
        let mut unfinished: Option<CatalogError> = None;
        let mut request = match mapping.batch_request(&self.base_url, &keys, page, offset) {
            Ok(request) => request,
            Err(error) => return vec![Err(error); chunk.len()],
        };
        // Each page but the last answers at least one item; a source that pages on
        // past that is broken, not slow.
        let most_pages = chunk.len() + 1;
        for pages in 1.. {
            let body = match self
                .traced_call(&request, chunk.len(), deadline, trace)
                .await
            {
                Ok(Reply::Body(body)) => body,
                Ok(Reply::NotFound) => {
                    unfinished = Some(CatalogError::BadResponse(
                        "batch endpoint answered 404 Not Found".into(),
                    ));
                    break;
                }
                Err(error) => {
                    unfinished = Some(error);
                    break;
                }
            };
            let vars = mapping.batch_vars(&keys, page, offset);
            let body = bytes::Bytes::from(body);
            let read = match mapping.read_page(&asked, &body, &vars, trace) {
                Ok(read) => read,
                Err(error) => {
                    unfinished = Some(error);
                    break;
                }
            };
            merge(&mut found, &mut pending, read.results);
            broken += read.broken;
            items_seen += read.items as u64;
            if pending == 0 {
                break;
            }
            let more = if follows_links {
                match read.next {
                    Some(next) => match next_url(&self.base_url, &request.url, &next) {
                        // A link is followed with a GET, whatever the first call was.
                        Ok(next) => Some(Outgoing::from(next)),
                        Err(error) => {
                            unfinished = Some(error);
                            break;
                        }
                    },
                    None => None,
                }
            } else {
                let left = match read.total {
                    Some(total) => items_seen < total,
                    // No total read: a full page may have a successor.
                    None if !reads_total => read.items >= keys.len(),
                    None => false,
                };
                if left && read.items > 0 {
                    match mapping.batch_request(
                        &self.base_url,
                        &keys,
                        page + 1,
                        offset + read.items,
                    ) {
                        Ok(next) => Some(next),
                        Err(error) => {
                            unfinished = Some(error);
                            break;
                        }
                    }
                } else {
                    None
                }
            };
            let Some(next) = more else { break };
            if pages >= most_pages {
                unfinished = Some(CatalogError::BadResponse(format!(
                    "the batch answer went on past {most_pages} pages"
                )));
                break;
            }
            page += 1;
            offset += read.items;
            request = next;
        }
        found
            .into_iter()
            .map(|result| {
                result.unwrap_or_else(|| match &unfinished {
                    Some(error) => Err(error.clone()),
                    None if broken > 0 => Err(CatalogError::BadResponse(format!(
                        "item missing from a batch answer holding {broken} unreadable items"
                    ))),
                    None => Ok(None),
                })
            })
            .collect()
    }

    /// One key with the single-item call.
    async fn fetch_single(
        &self,
        mapping: &Mapping,
        gtin: &Gtin,
        key: &str,
        deadline: Instant,
        trace: Option<&Trace>,
    ) -> FetchResult {
        let request = mapping.single_request(&self.base_url, gtin, key)?;
        match self.traced_call(&request, 1, deadline, trace).await? {
            Reply::Body(body) => mapping.read_single(gtin, key, &body, trace),
            Reply::NotFound => Ok(None),
        }
    }

    /// [`RestCatalog::call`], noting the request and its answer in `trace`.
    async fn traced_call(
        &self,
        request: &Outgoing,
        keys: usize,
        deadline: Instant,
        trace: Option<&Trace>,
    ) -> Result<Reply, CatalogError> {
        if let Some(trace) = trace {
            let line = match &request.json {
                None => format!("GET {}", request.url),
                Some(json) => format!("POST {} {}", request.url, String::from_utf8_lossy(json)),
            };
            trace.push(TraceLine::Request(line));
        }
        let reply = self.call(request.clone(), keys, deadline).await;
        if let Some(trace) = trace {
            trace.push(TraceLine::Answer(match &reply {
                Ok(Reply::Body(body)) => format!("200 OK, {} bytes", body.len()),
                Ok(Reply::NotFound) => "not found".to_owned(),
                Err(error) => error.to_string(),
            }));
        }
        reply
    }
}

/// Puts a page's results in their keys' places: the first product read for a key
/// wins, and an unusable item never hides a usable one for the same key.
fn merge(
    found: &mut [Option<FetchResult>],
    pending: &mut usize,
    results: Vec<(usize, FetchResult)>,
) {
    for (i, result) in results {
        match &found[i] {
            None => {
                found[i] = Some(result);
                *pending -= 1;
            }
            Some(Err(_)) if result.is_ok() => found[i] = Some(result),
            Some(_) => {}
        }
    }
}
