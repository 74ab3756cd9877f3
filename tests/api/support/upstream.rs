//! `TestUpstream`: a commandable upstream catalog on a real socket (`127.0.0.1:0`),
//! speaking docs/upstream-contract.md, for the catalog client's tests and the gateway's
//! end-to-end tests.
//!
//! It holds products as JSON by GTIN-14, records every request it gets, and
//! misbehaves on command: shuffled answers, `gtin`s in other forms, extra and
//! duplicate items, broken entries, delays, error statuses, garbage bodies and
//! connections cut mid-body, for every call or only for the next N calls or only for
//! calls asking for a given key.
//!
//! ```ignore
//! let upstream = TestUpstream::start().await;
//! upstream.insert_product("00036000291452", "Tissue");
//! upstream.fail_next(1, Failure::Status(503));
//! // ... point the client at upstream.url() ...
//! assert_eq!(upstream.calls().len(), 2);
//! ```

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use catalog_gateway::gtin::Gtin;
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A valid GTIN the upstream adds as an "extra" item nobody asked for.
pub const EXTRA_GTIN: &str = "4006381333931";

/// One request the upstream received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedCall {
    /// The request path, e.g. `/api/v1/products` or `/products/00036000291452`.
    pub path: String,
    /// The raw query string, if any (`gtins=…`).
    pub query: Option<String>,
    /// The keys asked for, exactly as sent (batch: the `gtins` list; single: the
    /// path segment).
    pub keys: Vec<String>,
    /// `true` for the batch endpoint, `false` for the single-item endpoint.
    pub batch: bool,
    /// The `x-request-id` header the call carried, if any.
    pub request_id: Option<String>,
}

/// How a call fails, when told to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Answer with this status and a small JSON body.
    Status(u16),
    /// Answer `200` with a body that is not JSON.
    GarbageBody,
    /// Answer `200`, send part of the body, then cut the connection.
    CloseMidBody,
}

/// The form each answered product's `gtin` is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GtinForm {
    /// Leave the stored JSON's `gtin` as inserted.
    #[default]
    AsStored,
    /// The 14-digit form.
    Gtin14,
    /// The 13-digit form where it exists, else 14 digits.
    Gtin13,
    /// The 12-digit form where it exists, else the shortest wider one.
    Gtin12,
    /// The item's own (shortest) form: 8, 12, 13 or 14 digits.
    Shortest,
    /// A different form from item to item (cycling 14, 13, 12, 8 where allowed).
    Mixed,
}

/// A broken product entry the upstream adds to answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokenEntry {
    /// A product whose `gtin` has a wrong check digit.
    InvalidGtin,
    /// A bare string instead of a product object.
    NotAnObject,
    /// A product object without `title`.
    MissingTitle,
}

/// What the upstream has been told to do.
#[derive(Clone, Debug, Default)]
struct Behaviour {
    shuffle: bool,
    gtin_form: GtinForm,
    extra_items: bool,
    duplicates: bool,
    broken_entry: Option<BrokenEntry>,
    delay: Duration,
    fail_next: VecDeque<Failure>,
    fail_always: Option<Failure>,
    fail_with_key: HashMap<Gtin, Failure>,
    key_width: Option<usize>,
    delay_with_key: HashMap<Gtin, Duration>,
    /// Read the products when the call arrives, before any delay (an upstream whose
    /// answer was decided before a change and delivered after it).
    read_on_arrival: bool,
}

/// State shared by the handle and the server.
#[derive(Default)]
struct Shared {
    products: Mutex<HashMap<Gtin, Value>>,
    calls: Mutex<Vec<RecordedCall>>,
    behaviour: Mutex<Behaviour>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    call_counter: AtomicU64,
}

/// A running test upstream; stops when dropped.
pub struct TestUpstream {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
}

impl TestUpstream {
    /// Starts an empty, well-behaved upstream on a free local port.
    pub async fn start() -> TestUpstream {
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let app = Router::new().fallback(handle).with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        TestUpstream {
            addr,
            shared,
            stop: Some(stop),
        }
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash). Any path prefix
    /// works too: the upstream serves `…/products` under every prefix.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL as a `reqwest::Url`.
    pub fn base_url(&self) -> reqwest::Url {
        reqwest::Url::parse(&self.url()).unwrap()
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stores `product` under `gtin` (any 8/12/13/14-digit form; panics if invalid).
    /// The JSON is served as given, except where a [`GtinForm`] rewrites `gtin`.
    pub fn insert(&self, gtin: &str, product: Value) {
        let gtin = Gtin::from_digits(gtin).unwrap();
        self.shared.products.lock().unwrap().insert(gtin, product);
    }

    /// Stores a minimal product `{"gtin": <14 digits>, "title": title}`.
    pub fn insert_product(&self, gtin: &str, title: &str) {
        self.insert(gtin, product_json(gtin, title));
    }

    /// Removes every product.
    pub fn clear_products(&self) {
        self.shared.products.lock().unwrap().clear();
    }

    /// Every request received so far, in arrival order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.shared.calls.lock().unwrap().clone()
    }

    /// Number of requests received so far.
    pub fn call_count(&self) -> usize {
        self.shared.calls.lock().unwrap().len()
    }

    /// Every key asked for so far, over all calls, as sent.
    pub fn keys_asked(&self) -> Vec<String> {
        self.calls().into_iter().flat_map(|c| c.keys).collect()
    }

    /// Forgets the recorded requests (and the in-flight high-water mark).
    pub fn reset_calls(&self) {
        self.shared.calls.lock().unwrap().clear();
        self.shared.max_in_flight.store(0, Ordering::SeqCst);
    }

    /// The most requests that were being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Back to a well-behaved upstream (products and recorded calls are kept).
    pub fn reset_behaviour(&self) {
        *self.shared.behaviour.lock().unwrap() = Behaviour::default();
    }

    /// Answers batch items in a shuffled (never the asked) order.
    pub fn shuffle_answers(&self, on: bool) {
        self.behave(|b| b.shuffle = on);
    }

    /// Writes each answered product's `gtin` in `form`.
    pub fn answer_gtin_form(&self, form: GtinForm) {
        self.behave(|b| b.gtin_form = form);
    }

    /// Adds items nobody asked for to batch answers: up to two stored items not
    /// asked for, and [`EXTRA_GTIN`].
    pub fn add_extra_items(&self, on: bool) {
        self.behave(|b| b.extra_items = on);
    }

    /// Repeats every answered batch item after the originals, in another `gtin`
    /// form and with `" (duplicate)"` appended to its title.
    pub fn add_duplicates(&self, on: bool) {
        self.behave(|b| b.duplicates = on);
    }

    /// Adds a broken entry to every batch answer; a single-item answer for a stored
    /// key is replaced by it.
    pub fn add_broken_entry(&self, entry: Option<BrokenEntry>) {
        self.behave(|b| b.broken_entry = entry);
    }

    /// Waits this long before answering each call.
    pub fn set_delay(&self, delay: Duration) {
        self.behave(|b| b.delay = delay);
    }

    /// Fails the next `n` calls (whatever they ask for) with `failure`.
    pub fn fail_next(&self, n: usize, failure: Failure) {
        self.behave(|b| b.fail_next.extend(std::iter::repeat_n(failure, n)));
    }

    /// Fails every call with `failure` (`None`: stop).
    pub fn fail_always(&self, failure: Option<Failure>) {
        self.behave(|b| b.fail_always = failure);
    }

    /// Fails every call that asks for `gtin` (any form) with `failure`: with batching,
    /// only the chunk holding it.
    pub fn fail_calls_with_key(&self, gtin: &str, failure: Failure) {
        let gtin = Gtin::from_digits(gtin).unwrap();
        self.behave(|b| {
            b.fail_with_key.insert(gtin, failure);
        });
    }

    /// Reads the products when a call arrives rather than when it is answered, so
    /// a delayed call answers what the catalog held when it was asked.
    pub fn read_on_arrival(&self, on: bool) {
        self.behave(|b| b.read_on_arrival = on);
    }

    /// Waits `delay` before answering every call that asks for `gtin` (any form):
    /// with batching, only the chunk holding it. The longer of this and
    /// [`set_delay`](Self::set_delay) applies.
    pub fn delay_calls_with_key(&self, gtin: &str, delay: Duration) {
        let gtin = Gtin::from_digits(gtin).unwrap();
        self.behave(|b| {
            b.delay_with_key.insert(gtin, delay);
        });
    }

    /// Acts like an upstream keyed by exactly `width` digits: any key of another
    /// length is not found (`None`: any valid GTIN form finds its item).
    pub fn strict_key_width(&self, width: Option<usize>) {
        self.behave(|b| b.key_width = width);
    }

    fn behave(&self, change: impl FnOnce(&mut Behaviour)) {
        change(&mut self.shared.behaviour.lock().unwrap());
    }
}

impl Drop for TestUpstream {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A minimal product object for `gtin` (written as 14 digits).
pub fn product_json(gtin: &str, title: &str) -> Value {
    let gtin = Gtin::from_digits(gtin).unwrap();
    json!({ "gtin": gtin.gtin14(), "title": title })
}

/// An upstream holding the first `n` test UPC-As, titled by their number.
pub async fn upstream_with_items(n: u32) -> (TestUpstream, Vec<String>) {
    let upstream = TestUpstream::start().await;
    let items: Vec<String> = (0..n).map(super::upc_a).collect();
    for item in &items {
        upstream.insert_product(item, &format!("item {item}"));
    }
    (upstream, items)
}

/// Counts a request as in flight until dropped (also when the client gives up).
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The one handler: routes by path suffix so any base path prefix works.
async fn handle(State(shared): State<Arc<Shared>>, headers: HeaderMap, uri: Uri) -> Response {
    let path = uri.path().to_owned();
    let (batch, keys) = if path.ends_with("/products") {
        let keys = uri
            .query()
            .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("gtins=")))
            .map(|list| list.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        (true, keys)
    } else if let Some((_, key)) = path.rsplit_once("/products/") {
        (false, vec![key.to_owned()])
    } else {
        return (StatusCode::NOT_FOUND, "no such route").into_response();
    };
    shared.calls.lock().unwrap().push(RecordedCall {
        path,
        query: uri.query().map(str::to_owned),
        keys: keys.clone(),
        batch,
        request_id: headers
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
    });
    let seed = shared.call_counter.fetch_add(1, Ordering::SeqCst);
    let _in_flight = InFlight::enter(&shared);

    let (behaviour, failure) = {
        let mut b = shared.behaviour.lock().unwrap();
        let failure = b.fail_next.pop_front().or_else(|| {
            keys.iter()
                .filter_map(|k| Gtin::from_digits(k).ok())
                .find_map(|g| b.fail_with_key.get(&g).copied())
                .or(b.fail_always)
        });
        (b.clone(), failure)
    };
    let on_arrival = behaviour
        .read_on_arrival
        .then(|| shared.products.lock().unwrap().clone());
    let delay = keys
        .iter()
        .filter_map(|k| Gtin::from_digits(k).ok())
        .filter_map(|g| behaviour.delay_with_key.get(&g).copied())
        .fold(behaviour.delay, Duration::max);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(failure) = failure {
        return fail(failure);
    }

    // Keys that are not GTINs are a client bug the tests must see: answer 400.
    let mut asked = Vec::with_capacity(keys.len());
    for key in &keys {
        match Gtin::from_digits(key) {
            Ok(gtin) if behaviour.key_width.is_none_or(|w| w == key.len()) => asked.push(gtin),
            Ok(_) => {} // a key in another width: not found in a strict upstream
            Err(_) => {
                return (StatusCode::BAD_REQUEST, format!("{key:?} is not a GTIN")).into_response();
            }
        }
    }
    let products = on_arrival.unwrap_or_else(|| shared.products.lock().unwrap().clone());
    if batch {
        json_response(batch_answer(&asked, &products, &behaviour, seed))
    } else {
        single_answer(asked.first(), &products, &behaviour, seed)
    }
}

fn fail(failure: Failure) -> Response {
    match failure {
        Failure::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap();
            (status, axum::Json(json!({ "error": "injected failure" }))).into_response()
        }
        Failure::GarbageBody => (
            [(header::CONTENT_TYPE, "application/json")],
            "<html><body>502 Bad Gateway (not really)</body></html>",
        )
            .into_response(),
        Failure::CloseMidBody => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"products\": [{\"gtin\": \"000")),
                Err(std::io::Error::other("connection cut on purpose")),
            ];
            Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(futures::stream::iter(chunks)))
                .unwrap()
        }
    }
}

fn batch_answer(
    asked: &[Gtin],
    products: &HashMap<Gtin, Value>,
    b: &Behaviour,
    seed: u64,
) -> Value {
    let mut seen = HashSet::new();
    let found: Vec<Gtin> = asked
        .iter()
        .filter(|g| products.contains_key(g) && seen.insert(**g))
        .copied()
        .collect();
    let mut entries: Vec<Value> = found
        .iter()
        .enumerate()
        .map(|(i, g)| with_form(&products[g], g, b.gtin_form, i as u64 + seed))
        .collect();
    if b.duplicates {
        for (i, g) in found.iter().enumerate() {
            let mut copy = with_form(&products[g], g, GtinForm::Mixed, i as u64 + seed + 1);
            if let Some(title) = copy.get("title").and_then(Value::as_str) {
                copy["title"] = Value::String(format!("{title} (duplicate)"));
            }
            entries.push(copy);
        }
    }
    if b.extra_items {
        let mut others: Vec<&Gtin> = products.keys().filter(|g| !seen.contains(*g)).collect();
        others.sort();
        for g in others.into_iter().take(2) {
            entries.push(with_form(&products[g], g, b.gtin_form, seed));
        }
        entries.push(json!({ "gtin": EXTRA_GTIN, "title": "Extra item nobody asked for" }));
    }
    if let Some(broken) = b.broken_entry {
        entries.push(broken_entry(broken));
    }
    if b.shuffle {
        shuffle(&mut entries, seed);
    }
    json!({ "products": entries })
}

fn single_answer(
    key: Option<&Gtin>,
    products: &HashMap<Gtin, Value>,
    b: &Behaviour,
    seed: u64,
) -> Response {
    let Some(product) = key.and_then(|g| products.get(g).map(|p| (g, p))) else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": "not found" })),
        )
            .into_response();
    };
    match b.broken_entry {
        Some(broken) => json_response(broken_entry(broken)),
        None => json_response(with_form(product.1, product.0, b.gtin_form, seed)),
    }
}

fn json_response(value: Value) -> Response {
    axum::Json(value).into_response()
}

fn broken_entry(kind: BrokenEntry) -> Value {
    match kind {
        // 036000291452 with a wrong check digit.
        BrokenEntry::InvalidGtin => json!({ "gtin": "036000291453", "title": "Bad check digit" }),
        BrokenEntry::NotAnObject => json!("00036000291452"),
        BrokenEntry::MissingTitle => json!({ "gtin": "00036000291452", "brand": "No title" }),
    }
}

/// `product` with its `gtin` written in `form` (`n` picks the form for `Mixed`).
fn with_form(product: &Value, gtin: &Gtin, form: GtinForm, n: u64) -> Value {
    let widths: &[usize] = match form {
        GtinForm::AsStored => return product.clone(),
        GtinForm::Gtin14 => &[14],
        GtinForm::Gtin13 => &[13, 14],
        GtinForm::Gtin12 => &[12, 13, 14],
        GtinForm::Shortest => &[8, 12, 13, 14],
        GtinForm::Mixed => {
            let allowed: Vec<usize> = [14, 13, 12, 8]
                .into_iter()
                .filter(|w| gtin.padded(*w).is_some())
                .collect();
            let width = allowed[(n as usize) % allowed.len()];
            return set_gtin(product, gtin.padded(width).unwrap());
        }
    };
    let text = widths.iter().find_map(|w| gtin.padded(*w)).unwrap();
    set_gtin(product, text)
}

fn set_gtin(product: &Value, gtin: &str) -> Value {
    let mut product = product.clone();
    if let Some(object) = product.as_object_mut() {
        object.insert("gtin".to_owned(), Value::String(gtin.to_owned()));
    }
    product
}

/// A deterministic shuffle that never leaves two or more entries in order.
fn shuffle(entries: &mut [Value], seed: u64) {
    let original = entries.to_vec();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..entries.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        entries.swap(i, (state % (i as u64 + 1)) as usize);
    }
    if entries.len() > 1 && entries == original.as_slice() {
        // Guarantee a change of order, so position-matching clients are caught.
        entries.rotate_left(1);
    }
}
