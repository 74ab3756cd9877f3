//! The product loader: a purpose-built DataLoader.
//!
//! Why not async-graphql's `DataLoader`: it fails a whole batch when one key's
//! fetch fails, it does not split batches to the upstream's maximum, and it keeps
//! its batches per loader instance, while the gateway wants one window shared by
//! every request in flight with single-flight for keys already being fetched. This
//! loader is small enough to own outright:
//!
//! - `load_many` registers its keys in the shared pending set; a key that is already
//!   pending or in flight is not registered again, the caller just waits on it.
//! - The first key of an empty pending set schedules a flush; a pending set that
//!   reaches `max_batch` keys is flushed at once. So a request of N distinct items
//!   costs ceil(N / max_batch) upstream calls.
//! - The flush waits for the scheduler's next tick (`yield_now`: every task already
//!   runnable on that worker runs first, and the I/O driver is polled), then until no
//!   request registered through [`ProductLoader::gathering`] is in the middle of a
//!   poll (one poll registers all of a request's fields, so its keys are never
//!   split), and never longer than `window`. A busy gateway thus batches whatever
//!   arrived in one tick and an idle one answers without a timer's millisecond.
//! - A flush runs in its own task, so a client that hangs up does not cancel a fetch
//!   other requests are waiting on.
//! - The product cache is asked first: a fresh entry answers without a fetch; a
//!   fetched answer is stored once per fetch (not per waiter); and when a fetch fails
//!   for a key whose cached copy is stale but within `max_stale`, that copy is served,
//!   marked as such.
//! - Each request asks the local tier alone (no await); the shared tier (Redis), when
//!   there is one, is asked by the batch: one `MGET` for every key of every request
//!   in it that the local tier could not answer fresh, so Redis costs one round trip
//!   per batch, and a key another request is already waiting for costs none.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::freshness::AnswerFreshness;
use crate::cache::{Cached, ProductCache};
use crate::catalog::{Catalog, CatalogError, Product};
use crate::gtin::Gtin;
use crate::hashing::FastMap;
use crate::telemetry::request_context::{self, RequestContext};

/// One key's outcome for one caller: a product (possibly a stale copy), not found,
/// or why the catalog could not answer.
pub type Loaded = Result<Option<LoadedProduct>, CatalogError>;

/// A product as a caller gets it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedProduct {
    /// The product.
    pub product: Arc<Product>,
    /// True when the upstream failed and this is a cached copy past its TTL.
    pub served_stale: bool,
}

/// What one batch answered for a key, shared by every request waiting on it.
#[derive(Clone, Debug)]
struct Fetched {
    /// The product, not found, or why the catalog could not answer.
    result: Result<Option<Arc<Product>>, CatalogError>,
    /// Until when (unix ms) the answer is fresh (meaningful when `result` is `Ok`).
    fresh_until: u64,
    /// The newest stale copy the batch found (local or shared tier): served when the
    /// fetch failed.
    stale: Option<Arc<Product>>,
}

impl Fetched {
    fn failed(error: CatalogError) -> Fetched {
        Fetched {
            result: Err(error),
            fresh_until: 0,
            stale: None,
        }
    }
}

fn fresh(product: Arc<Product>) -> LoadedProduct {
    LoadedProduct {
        product,
        served_stale: false,
    }
}

/// How the loader batches.
#[derive(Clone, Copy, Debug)]
pub struct LoaderSettings {
    /// The longest the first key of a batch waits for others to join it (it usually
    /// waits one scheduler tick); zero flushes on the first tick whatever runs.
    pub window: Duration,
    /// Most keys in one batch handed to the catalog (the upstream's batch limit).
    pub max_batch: NonZeroUsize,
}

/// Cheap to clone; every clone shares one pending set and one in-flight table.
#[derive(Clone)]
pub struct ProductLoader {
    shared: Arc<Shared>,
}

struct Shared {
    catalog: Arc<dyn Catalog>,
    cache: ProductCache,
    settings: LoaderSettings,
    state: Mutex<State>,
    /// Polls of [`ProductLoader::gathering`] futures under way right now, on any
    /// worker: while one runs, a request may be registering keys.
    gathering: AtomicUsize,
}

/// Guarded by a std mutex: every critical section is a few map operations and never
/// awaits, so a tokio mutex would only add cost.
#[derive(Default)]
struct State {
    /// Keys waiting for the next flush, in arrival order.
    pending: Vec<Gtin>,
    /// Id of the batch `pending` will become (ids tie a request's keys to its calls).
    pending_id: u64,
    /// Request id of the request that opened `pending`, sent on to the upstream.
    pending_request_id: Option<String>,
    /// Whether a timer task will flush `pending`.
    flush_scheduled: bool,
    /// Every key pending or being fetched, with the slot its answer goes out in.
    in_flight: FastMap<Gtin, (Arc<Slot>, u64)>,
}

/// A batch on its way to the catalog.
struct Batch {
    keys: Vec<Gtin>,
    /// The request id the upstream call carries.
    request_id: Option<String>,
}

impl State {
    /// Takes the pending keys as a batch and starts the next one.
    fn take_batch(&mut self) -> Batch {
        self.pending_id += 1;
        Batch {
            keys: std::mem::take(&mut self.pending),
            request_id: self.pending_request_id.take(),
        }
    }
}

impl ProductLoader {
    /// A loader over `catalog`, asking `cache` first.
    pub fn new(catalog: Arc<dyn Catalog>, cache: ProductCache, settings: LoaderSettings) -> Self {
        ProductLoader {
            shared: Arc::new(Shared {
                catalog,
                cache,
                settings,
                state: Mutex::new(State::default()),
                gathering: AtomicUsize::new(0),
            }),
        }
    }

    /// A loader for tests and benches: over `catalog`, a default local cache, no
    /// batching window (a batch is sent on the scheduler's next tick), 100 keys a batch.
    #[cfg(any(test, feature = "test-support"))]
    pub fn immediate(catalog: impl Catalog + 'static) -> Self {
        ProductLoader::new(
            Arc::new(catalog),
            ProductCache::new(crate::cache::CacheSettings::default()),
            LoaderSettings {
                window: std::time::Duration::ZERO,
                max_batch: std::num::NonZeroUsize::MIN.saturating_add(99),
            },
        )
    }

    /// Runs `work` (a request's execution) so that no flush happens while one of its
    /// polls is under way: the keys it registers in one poll join one batch.
    pub async fn gathering<F: Future>(&self, work: F) -> F::Output {
        let mut work = std::pin::pin!(work);
        std::future::poll_fn(|cx| {
            let _polling = Polling::start(&self.shared.gathering);
            work.as_mut().poll(cx)
        })
        .await
    }

    /// Loads one product; past `deadline` it answers `Timeout`.
    pub async fn load_one(&self, key: Gtin, deadline: Option<Instant>) -> Loaded {
        let mut answers = self.load_many(&[key], deadline).await;
        answers.pop().unwrap_or_else(|| Err(lost_answer()))
    }

    /// Loads `keys` (duplicates allowed) and answers one result per key, in order.
    /// A key not answered by `deadline` is `Timeout` for this caller; the fetch goes
    /// on for anyone else waiting on it.
    pub async fn load_many(&self, keys: &[Gtin], deadline: Option<Instant>) -> Vec<Loaded> {
        self.load_many_noting(keys, deadline, None).await
    }

    /// [`ProductLoader::load_one`], noting how fresh the answer is in `freshness`.
    pub async fn load_one_noting(
        &self,
        key: Gtin,
        deadline: Option<Instant>,
        freshness: Option<&AnswerFreshness>,
    ) -> Loaded {
        let mut answers = self.load_many_noting(&[key], deadline, freshness).await;
        answers.pop().unwrap_or_else(|| Err(lost_answer()))
    }

    /// [`ProductLoader::load_many`], noting in `freshness` until when each answer is
    /// fresh (a cached one by its own age, a fetched one for the full TTL), and that
    /// the answers must not be reused when one is a stale copy or a failure.
    pub async fn load_many_noting(
        &self,
        keys: &[Gtin],
        deadline: Option<Instant>,
        freshness: Option<&AnswerFreshness>,
    ) -> Vec<Loaded> {
        if let Some(freshness) = freshness {
            freshness.holds(keys);
        }
        let dated = self.shared.cache.get_many_local_dated(keys);
        let mut cached = Vec::with_capacity(dated.len());
        for (answer, fresh_until) in dated {
            if let (Some(freshness), Cached::Fresh(_)) = (freshness, &answer) {
                freshness.fresh_until(fresh_until);
            }
            cached.push(answer);
        }
        if let Some(context) = request_context::current() {
            let hits = cached
                .iter()
                .filter(|cached| matches!(cached, Cached::Fresh(_)))
                .count();
            context.add_cache_hits(u64::try_from(hits).unwrap_or(u64::MAX));
        }
        let to_fetch: Vec<Gtin> = keys
            .iter()
            .zip(&cached)
            .filter(|(_, cached)| !matches!(cached, Cached::Fresh(_)))
            .map(|(&key, _)| key)
            .collect();
        let waiting = self.register(&to_fetch);
        let fetched = wait_for_answers(waiting, deadline).await;
        if let Some(freshness) = freshness {
            for answer in &fetched {
                match answer.result {
                    Ok(_) => freshness.fresh_until(answer.fresh_until),
                    // A failure, or a stale copy served in its place: not reusable.
                    Err(_) => freshness.not_reusable(),
                }
            }
        }
        let mut fetched = fetched.into_iter();
        cached
            .into_iter()
            .map(|cached| {
                let copy = match cached {
                    Cached::Fresh(found) => return Ok(found.map(fresh)),
                    Cached::Stale(copy) => copy,
                    Cached::Miss => None,
                };
                let answer = fetched
                    .next()
                    .unwrap_or_else(|| Fetched::failed(lost_answer()));
                match answer.result {
                    Ok(found) => Ok(found.map(fresh)),
                    // The batch's copy is at least as new as the one this request saw.
                    Err(error) => match answer.stale.or(copy) {
                        Some(product) => {
                            self.shared.cache.record_stale_served();
                            Ok(Some(LoadedProduct {
                                product,
                                served_stale: true,
                            }))
                        }
                        None => Err(error),
                    },
                }
            })
            .collect()
    }

    /// Joins every key to a pending batch or to a fetch already under way, and
    /// returns how each key's answer will come.
    fn register(&self, keys: &[Gtin]) -> Vec<Waiting> {
        let max_batch = self.shared.settings.max_batch.get();
        let context = request_context::current();
        let mut full_batches = Vec::new();
        let mut schedule_timer = false;
        let waiting = {
            let mut state = self.shared.lock();
            let waiting = keys
                .iter()
                .map(|&key| {
                    if let Some((slot, batch_id)) = state.in_flight.get(&key) {
                        if let Some(context) = &context {
                            context.add_shared(*batch_id);
                        }
                        return Waiting::On(Arc::clone(slot));
                    }
                    // A fetch of this key may have ended (cached, then answered) since
                    // the caller looked in the cache: take its answer, do not fetch again.
                    if let Some((found, fresh_until)) = self.shared.cache.fresh_locally(&key) {
                        let answer = Fetched {
                            result: Ok(found),
                            fresh_until,
                            stale: None,
                        };
                        return Waiting::Answered(answer);
                    }
                    let slot = Arc::new(Slot::default());
                    let batch_id = state.pending_id;
                    state.in_flight.insert(key, (Arc::clone(&slot), batch_id));
                    if state.pending.is_empty() {
                        state.pending_request_id = context.as_ref().map(|c| c.id().to_owned());
                    }
                    state.pending.push(key);
                    if let Some(context) = &context {
                        context.add_fetched(batch_id);
                    }
                    if state.pending.len() >= max_batch {
                        full_batches.push(state.take_batch());
                    }
                    Waiting::On(slot)
                })
                .collect();
            if !state.pending.is_empty() && !state.flush_scheduled {
                state.flush_scheduled = true;
                schedule_timer = true;
            }
            waiting
        };
        for batch in full_batches {
            tokio::spawn(Arc::clone(&self.shared).dispatch(batch));
        }
        if schedule_timer {
            tokio::spawn(Arc::clone(&self.shared).flush_after_window());
        }
        waiting
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: every section either
        // completes its map edits or makes none, so recovering the guard is sound.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn flush_after_window(self: Arc<Self>) {
        let give_up = Instant::now() + self.settings.window;
        loop {
            tokio::task::yield_now().await;
            if self.gathering.load(Ordering::Acquire) == 0 || Instant::now() >= give_up {
                break;
            }
        }
        let batch = {
            let mut state = self.lock();
            state.flush_scheduled = false;
            (!state.pending.is_empty()).then(|| state.take_batch())
        };
        if let Some(batch) = batch {
            self.dispatch(batch).await;
        }
    }

    /// Answers each key of one batch: from the shared tier when it has the key
    /// fresh, else by one fetch. The fetch runs in the context of the request that
    /// opened the batch, so the upstream call carries its request id.
    async fn dispatch(self: Arc<Self>, batch: Batch) {
        let Batch { keys, request_id } = batch;
        let mut guard = AnswerGuard {
            shared: &self,
            keys,
        };
        let stale = self.ask_shared_tier(&mut guard).await;
        if guard.keys.is_empty() {
            return;
        }
        let batch = &guard.keys;
        let results = match request_id {
            Some(id) => {
                request_context::scoped(RequestContext::new(id), self.catalog.fetch(batch)).await
            }
            None => self.catalog.fetch(batch).await,
        };
        // Each product moves into the one `Arc` the cache and every waiter share.
        let results: Vec<Result<Option<Arc<Product>>, CatalogError>> = results
            .into_iter()
            .map(|result| result.map(|found| found.map(Arc::new)))
            .collect();
        let found: Vec<(Gtin, Option<Arc<Product>>)> = batch
            .iter()
            .zip(&results)
            .filter_map(|(&key, result)| Some((key, result.as_ref().ok()?.clone())))
            .collect();
        // Cache first, then answer: a request arriving between the two then finds the
        // item in the cache instead of starting a second fetch.
        self.cache.put_many(&found).await;
        let (fresh_found, fresh_not_found) = (
            self.cache.fresh_until_if_fetched_now(true),
            self.cache.fresh_until_if_fetched_now(false),
        );
        let mut stale = stale.into_iter();
        let answers = results
            .into_iter()
            .map(|result| Fetched {
                fresh_until: match &result {
                    Ok(Some(_)) => fresh_found,
                    _ => fresh_not_found,
                },
                result,
                stale: stale.next().flatten(),
            })
            .collect();
        guard.answer(answers);
    }

    /// With a shared tier: one look (one `MGET`) for the batch's keys, answering
    /// those it has fresh at once and leaving the rest in `guard` to fetch; answers
    /// the stale copies it found for the keys left, in their order.
    async fn ask_shared_tier(&self, guard: &mut AnswerGuard<'_>) -> Vec<Option<Arc<Product>>> {
        if !self.cache.has_shared_tier() {
            return Vec::new();
        }
        let looked = self.cache.get_many_dated(&guard.keys).await;
        let mut left = Vec::with_capacity(guard.keys.len());
        let mut stale = Vec::with_capacity(guard.keys.len());
        for (key, (cached, fresh_until)) in guard.keys.iter().zip(looked) {
            match cached {
                Cached::Fresh(found) => self.answer(
                    key,
                    Fetched {
                        result: Ok(found),
                        fresh_until,
                        stale: None,
                    },
                ),
                Cached::Stale(copy) => {
                    left.push(*key);
                    stale.push(copy);
                }
                Cached::Miss => {
                    left.push(*key);
                    stale.push(None);
                }
            }
        }
        guard.keys = left;
        stale
    }

    /// Answers `keys` in order with `answers`, and with `missing()` each key past
    /// their end; the keys' slots leave `in_flight` under one lock.
    fn answer_all(&self, keys: &[Gtin], answers: Vec<Fetched>, missing: impl Fn() -> Fetched) {
        let slots: Vec<Option<Arc<Slot>>> = {
            let mut state = self.lock();
            keys.iter()
                .map(|key| state.in_flight.remove(key).map(|(slot, _)| slot))
                .collect()
        };
        let mut answers = answers.into_iter();
        for slot in slots {
            let answer = answers.next().unwrap_or_else(&missing);
            if let Some(slot) = slot {
                slot.publish(answer);
            }
        }
    }

    fn answer(&self, key: &Gtin, result: Fetched) {
        let slot = self.lock().in_flight.remove(key);
        if let Some((slot, _)) = slot {
            slot.publish(result);
        }
    }
}

/// One poll of a [`ProductLoader::gathering`] future, counted while it lasts (and
/// counted down even when the poll panics).
struct Polling<'a>(&'a AtomicUsize);

impl<'a> Polling<'a> {
    fn start(gathering: &'a AtomicUsize) -> Self {
        gathering.fetch_add(1, Ordering::AcqRel);
        Polling(gathering)
    }
}

impl Drop for Polling<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Release);
    }
}

/// Makes sure every key of a dispatched batch is answered exactly once, even when
/// the fetch panics or is dropped: waiters then get an error instead of hanging.
struct AnswerGuard<'a> {
    shared: &'a Shared,
    /// The keys not answered yet.
    keys: Vec<Gtin>,
}

impl AnswerGuard<'_> {
    /// Answers every key left, in order, with its answer of the batch.
    fn answer(&mut self, answers: Vec<Fetched>) {
        let keys = std::mem::take(&mut self.keys);
        self.shared.answer_all(&keys, answers, || {
            Fetched::failed(CatalogError::BadResponse(
                "catalog answered fewer results than keys".to_owned(),
            ))
        });
    }
}

impl Drop for AnswerGuard<'_> {
    fn drop(&mut self) {
        self.shared
            .answer_all(&self.keys, Vec::new(), || Fetched::failed(lost_answer()));
    }
}

/// How a registered key's answer reaches its caller.
enum Waiting {
    /// Already known when the key was registered (cached since the caller looked).
    Answered(Fetched),
    /// Published in this slot when its batch answers.
    On(Arc<Slot>),
}

/// One key's answer, published once by its batch and read by every request waiting
/// on it. A `OnceLock` and one `Notify` rather than a `watch` channel: a `watch`
/// wakes through eight notifiers (eight locks a send) and allocates them per key;
/// a basket of 40 new keys paid 5 % of its CPU there (bench/JOURNAL.md "Session
/// 13"). Every slot is published: [`AnswerGuard`] answers each key of a batch even
/// when the fetch panics or is dropped, and a slot lives in `in_flight` until then.
#[derive(Default)]
struct Slot {
    answer: OnceLock<Fetched>,
    ready: Notify,
}

impl Slot {
    /// Sets the answer (the first one wins) and wakes every waiter.
    fn publish(&self, answer: Fetched) {
        let _ = self.answer.set(answer);
        self.ready.notify_waiters();
    }

    /// The answer, once published.
    async fn wait(&self) -> Fetched {
        loop {
            let notified = self.ready.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before looking, so a publish between the look and the
            // await still wakes this waiter (`Notify::notify_waiters` wakes only
            // registered ones).
            notified.as_mut().enable();
            if let Some(answer) = self.answer.get() {
                return answer.clone();
            }
            notified.await;
        }
    }
}

/// Every key's answer, in order; a key not answered by `deadline` is `Timeout` for
/// this caller (its fetch goes on for anyone else). The keys are awaited one after
/// another under one timer: the request needs them all, and a batch usually answers
/// them together, so a timer per key (40 for a basket) only cost registering them.
async fn wait_for_answers(waiting: Vec<Waiting>, deadline: Option<Instant>) -> Vec<Fetched> {
    let mut answers = Vec::with_capacity(waiting.len());
    let mut expiry = std::pin::pin!(deadline.map(tokio::time::sleep_until));
    for waiting in waiting {
        let slot = match waiting {
            Waiting::Answered(answer) => {
                answers.push(answer);
                continue;
            }
            Waiting::On(slot) => slot,
        };
        let answer = match (slot.answer.get(), expiry.as_mut().as_pin_mut()) {
            (Some(answer), _) => Some(answer.clone()),
            (None, None) => Some(slot.wait().await),
            (None, Some(expiry)) if expiry.is_elapsed() => None,
            (None, Some(expiry)) => tokio::select! {
                answer = slot.wait() => Some(answer),
                () = expiry => None,
            },
        };
        answers.push(answer.unwrap_or_else(|| {
            Fetched::failed(CatalogError::Timeout(
                "the request deadline passed".to_owned(),
            ))
        }));
    }
    answers
}

fn lost_answer() -> CatalogError {
    CatalogError::Unavailable("the fetch for this item was abandoned".to_owned())
}

#[cfg(test)]
mod tests;
