//! The loader's batching, single-flight, deadlines and cache use, over an in-memory
//! catalog (`InMemoryCatalog`) that records every batch it is asked for. The async tests run on tokio's
//! paused clock: the window, the catalog's 5 ms and the deadlines are virtual time,
//! which moves only when every task waits, so a loaded machine cannot reorder them;
//! the tests assert calls and answers, never how long anything took.

use super::*;
use crate::cache::CacheSettings;
use crate::cache::test_support::gtins;
use crate::catalog::InMemoryCatalog;

/// An in-memory catalog that records every batch it is asked for, takes 5 ms per
/// call, and finds the keys with an even check digit.
fn recording() -> InMemoryCatalog {
    InMemoryCatalog::computed(|gtin| {
        // Even check digits are "in the catalog", odd ones are not.
        let found = (gtin.as_bytes()[13] - b'0').is_multiple_of(2);
        found.then(|| product(gtin))
    })
    .latency(Duration::from_millis(5))
}

fn product(gtin: Gtin) -> Product {
    Product::bare(gtin, &format!("item {gtin}"))
}

fn loader(catalog: Arc<InMemoryCatalog>, max_batch: usize) -> ProductLoader {
    loader_over(
        catalog,
        CacheSettings {
            enabled: false,
            ..CacheSettings::default()
        },
        max_batch,
    )
}

/// A loader asking a product cache with `cache` settings first.
fn loader_over(
    catalog: Arc<InMemoryCatalog>,
    cache: CacheSettings,
    max_batch: usize,
) -> ProductLoader {
    ProductLoader::new(
        catalog,
        ProductCache::new(cache),
        LoaderSettings {
            window: Duration::from_millis(2),
            max_batch: NonZeroUsize::new(max_batch).unwrap(),
        },
    )
}

#[tokio::test(start_paused = true)]
async fn duplicate_keys_of_one_call_are_fetched_once_and_answered_in_order() {
    let catalog = Arc::new(recording());
    let loader = loader(catalog.clone(), 100);
    let keys = gtins(3);
    let asked = [keys[0], keys[1], keys[0], keys[2], keys[1]];

    let answers = loader.load_many(&asked, None).await;

    assert_eq!(catalog.batches(), vec![keys.clone()]);
    for (key, answer) in asked.iter().zip(&answers) {
        if let Ok(Some(found)) = answer {
            assert_eq!(found.product.gtin, *key);
        }
    }
    assert_eq!(answers.len(), asked.len());
}

#[tokio::test(start_paused = true)]
async fn distinct_keys_are_split_into_ceil_n_over_max_batch_calls() {
    let catalog = Arc::new(recording());
    let loader = loader(catalog.clone(), 100);

    loader.load_many(&gtins(250), None).await;

    let sizes: Vec<usize> = catalog.batches().iter().map(Vec::len).collect();
    assert_eq!(sizes.len(), 3, "{sizes:?}");
    assert_eq!(sizes.iter().sum::<usize>(), 250);
    assert!(sizes.iter().all(|&n| n <= 100));
}

#[tokio::test(start_paused = true)]
async fn concurrent_requests_in_one_window_share_one_call() {
    let catalog = Arc::new(recording());
    let loader = loader(catalog.clone(), 100);
    let keys = gtins(10);

    let tasks: Vec<_> = keys
        .iter()
        .map(|&key| {
            let loader = loader.clone();
            tokio::spawn(async move { loader.load_one(key, None).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    assert_eq!(catalog.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_key_already_in_flight_is_not_fetched_again() {
    let catalog = Arc::new(recording());
    let loader = loader(catalog.clone(), 100);
    let key = gtins(1)[0];

    let first = tokio::spawn({
        let loader = loader.clone();
        async move { loader.load_one(key, None).await }
    });
    // Past the window, while the 5 ms fetch is under way (on the paused clock, so
    // a loaded machine cannot stretch the 3 ms past the fetch).
    tokio::time::sleep(Duration::from_millis(3)).await;
    let second = loader.load_one(key, None).await;

    assert_eq!(first.await.unwrap(), second);
    assert_eq!(catalog.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_key_cached_after_the_callers_own_lookup_is_not_fetched_again() {
    // The race the 1000-request single-flight test met: a caller misses the
    // cache, a fetch of the same key then ends (cached, answered, no longer in
    // flight), and only then does the caller register the key.
    let catalog = Arc::new(recording());
    let loader = loader_over(catalog.clone(), CacheSettings::default(), 100);
    let key = gtins(2)[0];
    loader
        .shared
        .cache
        .put_many(&[(key, Some(Arc::new(product(key))))])
        .await;

    let waiting = loader.register(&[key]);
    let answers: Vec<_> = wait_for_answers(waiting, None)
        .await
        .into_iter()
        .map(|answer| answer.result)
        .collect();

    assert_eq!(answers, vec![Ok(Some(Arc::new(product(key))))]);
    assert_eq!(catalog.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_caller_past_its_deadline_gets_a_timeout_while_the_fetch_serves_others() {
    let catalog = Arc::new(recording());
    let loader = loader(catalog.clone(), 100);
    let key = gtins(1)[0];
    let patient = tokio::spawn({
        let loader = loader.clone();
        async move { loader.load_one(key, None).await }
    });

    let hurried = loader
        .load_one(key, Some(Instant::now() + Duration::from_millis(1)))
        .await;

    assert!(
        matches!(hurried, Err(CatalogError::Timeout(_))),
        "{hurried:?}"
    );
    assert!(matches!(patient.await.unwrap(), Ok(Some(_))));
    assert_eq!(catalog.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn past_the_deadline_only_the_keys_still_unanswered_time_out_whatever_their_order() {
    let keys = gtins(3);
    let answer = |key: Gtin| Fetched {
        result: Ok(Some(Arc::new(product(key)))),
        fresh_until: 0,
        stale: None,
    };
    for late_first in [true, false] {
        // One key answered after 1 ms, one after 10 ms, one known at once; deadline 3 ms.
        let (soon, late) = (Arc::new(Slot::default()), Arc::new(Slot::default()));
        for (slot, key, after) in [(&soon, keys[0], 1), (&late, keys[1], 10)] {
            let slot = Arc::clone(slot);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(after)).await;
                slot.publish(answer(key));
            });
        }
        let (on_soon, on_late) = (Waiting::On(soon), Waiting::On(late));
        let waiting = match late_first {
            true => vec![on_late, on_soon, Waiting::Answered(answer(keys[2]))],
            false => vec![on_soon, on_late, Waiting::Answered(answer(keys[2]))],
        };

        let answers = wait_for_answers(waiting, Some(Instant::now() + Duration::from_millis(3)))
            .await
            .into_iter()
            .map(|answer| answer.result.map(|found| found.map(|p| p.gtin)))
            .collect::<Vec<_>>();

        let (late_answer, soon_answer) = match late_first {
            true => (&answers[0], &answers[1]),
            false => (&answers[1], &answers[0]),
        };
        assert!(
            matches!(late_answer, Err(CatalogError::Timeout(_))),
            "{answers:?}"
        );
        assert_eq!(soon_answer, &Ok(Some(keys[0])), "{answers:?}");
        assert_eq!(answers[2], Ok(Some(keys[2])), "{answers:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_batch_fails_only_its_own_keys() {
    let keys = gtins(4);
    let catalog = Arc::new(recording().failing_calls_with(keys[0], "boom"));
    let loader = loader(catalog.clone(), 2);

    let answers = loader.load_many(&keys, None).await;

    assert!(answers[0].is_err() && answers[1].is_err(), "{answers:?}");
    assert!(answers[2].is_ok() && answers[3].is_ok(), "{answers:?}");
}

#[tokio::test(start_paused = true)]
async fn the_freshness_noted_is_the_shortest_ttl_of_the_answers_and_a_failure_spoils_it() {
    let keys = gtins(4);
    let catalog = Arc::new(recording().failing_calls_with(keys[3], "boom"));
    let loader = loader_over(catalog.clone(), CacheSettings::default(), 100);
    let found_only: Vec<Gtin> = keys[..3]
        .iter()
        .copied()
        .filter(|gtin| (gtin.as_bytes()[13] - b'0').is_multiple_of(2))
        .collect();
    let not_found = keys[..3]
        .iter()
        .copied()
        .find(|gtin| !found_only.contains(gtin))
        .unwrap();
    let before = crate::cache::now_unix_ms();

    let fetched = AnswerFreshness::new();
    loader
        .load_many_noting(&found_only, None, Some(&fetched))
        .await;
    let cached = AnswerFreshness::new();
    loader
        .load_many_noting(&found_only, None, Some(&cached))
        .await;
    let mixed = AnswerFreshness::new();
    loader
        .load_many_noting(&[found_only[0], not_found], None, Some(&mixed))
        .await;
    let failed = AnswerFreshness::new();
    loader
        .load_many_noting(&[found_only[0], keys[3]], None, Some(&failed))
        .await;

    // Found: TTL 300 s from the fetch; with a not-found item: its 30 s.
    let ttl = fetched.reusable_until().unwrap() - before;
    assert!((299_000..=301_000).contains(&ttl), "{ttl}");
    // A cache hit says the same, by the entry's own fetch time (a few ms apart).
    let (cached, fetched) = (
        cached.reusable_until().unwrap(),
        fetched.reusable_until().unwrap(),
    );
    assert!(cached.abs_diff(fetched) < 100, "{cached} vs {fetched}");
    let negative = mixed.reusable_until().unwrap() - before;
    assert!((29_000..=31_000).contains(&negative), "{negative}");
    assert_eq!(failed.reusable_until(), None);
}

/// A request whose one poll registers two keys with slow work between them (as
/// async-graphql polls every field of a selection in one poll) while another
/// request's flush is due on the other worker: the flush waits for the poll, so
/// the request's keys are not split over two calls. It needs two workers, which
/// the paused clock does not run, and its `thread::sleep`s are work that blocks a
/// worker mid-poll, not waits: their length only decides whether a flush that did
/// not wait would be caught; the 2 s window bounds the wait itself.
#[test]
fn keys_registered_in_one_poll_of_a_gathering_request_join_one_batch() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let catalog = Arc::new(recording());
    let loader = ProductLoader::new(
        catalog.clone(),
        ProductCache::new(CacheSettings {
            enabled: false,
            ..CacheSettings::default()
        }),
        LoaderSettings {
            window: Duration::from_secs(2),
            max_batch: NonZeroUsize::new(100).unwrap(),
        },
    );
    let keys = gtins(3);
    let (other_key, first, second) = (keys[0], keys[1], keys[2]);
    let (polling_tx, polling_rx) = std::sync::mpsc::channel();
    let (registered_tx, registered_rx) = std::sync::mpsc::channel();

    runtime.block_on(async {
        let request = {
            let loader = loader.clone();
            tokio::spawn(async move {
                let inner = loader.clone();
                loader
                    .gathering(async move {
                        futures::join!(
                            async move {
                                // Blocks this worker mid-poll until the other
                                // request's key (and its flush) is under way.
                                polling_tx.send(()).unwrap();
                                registered_rx.recv().unwrap();
                            },
                            inner.load_one(first, None),
                            async {
                                std::thread::sleep(Duration::from_millis(50));
                                inner.load_one(second, None).await
                            },
                        )
                    })
                    .await
            })
        };
        polling_rx.recv().unwrap();
        let other = {
            let loader = loader.clone();
            tokio::spawn(async move {
                let mut load = std::pin::pin!(loader.load_one(other_key, None));
                let _ = futures::poll!(load.as_mut());
                registered_tx.send(()).unwrap();
                // Its flush runs on this worker once this poll ends: while the
                // request is still in its poll.
                std::thread::sleep(Duration::from_millis(20));
                load.await
            })
        };
        let ((), first_answer, second_answer) = request.await.unwrap();
        other.await.unwrap().unwrap();
        assert!(first_answer.is_ok() && second_answer.is_ok());
    });

    let batches = catalog.batches();
    assert!(
        batches
            .iter()
            .any(|batch| batch.contains(&first) && batch.contains(&second)),
        "{batches:?}"
    );
}
