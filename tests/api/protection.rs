//! Protecting the API over real HTTP: trusted documents (both manifest formats, ids,
//! full texts, the bypass header, SIGHUP reload, a malformed manifest at start),
//! cost limits, per-client rate limits (client-id header, trusted proxies, two
//! replicas sharing a real Redis, Redis down), API keys, and a flood of client ids.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{
    RedisServer, TestApp, post_to, readyz, sha256_hex, start_binary, start_binary_with, temp_file,
};

const SHELF: &str = "query Shelf { product(gtin: \"036000291452\") { title } }";
const BASKET: &str = "query Basket($g: [String!]!) { products(gtins: $g) { title } }";
const TYPENAME: &str = "{ __typename }";

/// Apollo's persisted-query manifest of `operations` (id, body).
fn apollo_manifest(operations: &[(&str, &str)]) -> String {
    let operations: Vec<Value> = operations
        .iter()
        .map(|(id, body)| json!({ "id": id, "name": "Op", "type": "query", "body": body }))
        .collect();
    json!({ "format": "apollo-persisted-query-manifest", "version": 1, "operations": operations })
        .to_string()
}

/// GraphQL Codegen client preset's persisted documents: sha256 to text.
fn codegen_manifest(bodies: &[&str]) -> String {
    let map: serde_json::Map<String, Value> = bodies
        .iter()
        .map(|body| (sha256_hex(body), json!(body)))
        .collect();
    Value::Object(map).to_string()
}

/// POSTs `body` with extra headers; status, headers and JSON body.
async fn post(
    app: &TestApp,
    body: Value,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let answer = app.post_with(&body, headers).await;
    (answer.status.as_u16(), answer.headers, answer.body)
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

/// A counter's value in `/metrics` for the series whose line starts with `series`.
async fn metric(app: &TestApp, series: &str) -> f64 {
    series_sum(&app.get("/metrics").await.text().await.unwrap(), series)
}

/// The sum of the values of the `/metrics` text's lines that start with `series`.
fn series_sum(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|line| line.starts_with(series))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

// ---- trusted documents -------------------------------------------------------------

#[tokio::test]
async fn enforce_serves_known_operations_by_id_hash_or_text_and_refuses_the_rest() {
    let manifest = temp_file("apollo.json", &apollo_manifest(&[("shelf-v1", SHELF)]));
    let app = TestApp::spawn(
        None,
        &[
            "--trusted-documents",
            &manifest,
            "--trusted-documents-mode",
            "enforce",
        ],
    )
    .await;

    let by_text = post(&app, json!({ "query": SHELF }), &[]).await;
    let by_id = post(&app, json!({ "documentId": "shelf-v1" }), &[]).await;
    let by_apq_hash = post(
        &app,
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(SHELF) } } }),
        &[],
    )
    .await;
    let by_get = app.get("/graphql?documentId=shelf-v1").await;
    let unknown = post(&app, json!({ "query": TYPENAME }), &[]).await;
    let unknown_id = post(&app, json!({ "documentId": "nope" }), &[]).await;
    let in_a_batch = post(
        &app,
        json!([{ "query": SHELF }, { "query": TYPENAME }]),
        &[],
    )
    .await;

    for (status, _, body) in [&by_text, &by_id, &by_apq_hash] {
        assert_eq!(*status, 200, "{body}");
        assert!(body["data"]["product"]["title"].is_string(), "{body}");
    }
    assert_eq!(by_get.status(), 200);
    let by_get: Value = by_get.json().await.unwrap();
    assert!(by_get["data"]["product"]["title"].is_string(), "{by_get}");
    for (status, _, body) in [&unknown, &unknown_id, &in_a_batch] {
        assert_eq!(*status, 400, "{body}");
        assert_eq!(code(body), "PERSISTED_QUERY_NOT_ALLOWED", "{body}");
        assert!(body.get("data").is_none(), "{body}");
    }
    assert_eq!(
        unknown.2["errors"][0]["extensions"]["documentId"],
        sha256_hex(TYPENAME)
    );
}

#[tokio::test]
async fn the_codegen_format_is_read_and_its_hash_is_the_document_id() {
    let manifest = temp_file("codegen.json", &codegen_manifest(&[SHELF]));
    let app = TestApp::spawn(
        None,
        &[
            "--trusted-documents",
            &manifest,
            "--trusted-documents-mode",
            "enforce",
        ],
    )
    .await;

    let (status, _, body) = post(&app, json!({ "documentId": sha256_hex(SHELF) }), &[]).await;
    let (refused, _, _) = post(&app, json!({ "query": TYPENAME }), &[]).await;

    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["product"]["title"].is_string(), "{body}");
    assert_eq!(refused, 400);
}

#[tokio::test]
async fn graphiql_keeps_working_in_enforce_through_the_bypass_header_and_only_with_its_secret() {
    let manifest = temp_file("apollo.json", &apollo_manifest(&[("shelf-v1", SHELF)]));
    let app = TestApp::spawn(
        None,
        &[
            "--trusted-documents",
            &manifest,
            "--trusted-documents-mode",
            "enforce",
            "--trusted-documents-bypass-secret",
            "s3cret",
        ],
    )
    .await;
    let introspection = "{ __schema { queryType { name } } }";

    let page = app.get("/").await;
    let bypassed = post(
        &app,
        json!({ "query": introspection }),
        &[("x-trusted-documents-bypass", "s3cret")],
    )
    .await;
    let wrong_secret = post(
        &app,
        json!({ "query": introspection }),
        &[("x-trusted-documents-bypass", "s3cret!")],
    )
    .await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header("origin", "http://scan.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-trusted-documents-bypass",
        )
        .send()
        .await
        .unwrap();

    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("x-trusted-documents-bypass"),
        "the page sends the header"
    );
    assert!(
        !page.contains("s3cret"),
        "the secret is never in the served page"
    );
    assert_eq!(bypassed.0, 200, "{}", bypassed.2);
    assert_eq!(bypassed.2["data"]["__schema"]["queryType"]["name"], "Query");
    assert_eq!(wrong_secret.0, 400);
    assert_eq!(code(&wrong_secret.2), "PERSISTED_QUERY_NOT_ALLOWED");
    let allowed = preflight
        .headers()
        .get("access-control-allow-headers")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(allowed.contains("x-trusted-documents-bypass"), "{allowed}");
}

#[tokio::test]
async fn log_mode_serves_unknown_operations_and_counts_them() {
    let manifest = temp_file("apollo.json", &apollo_manifest(&[("shelf-v1", SHELF)]));
    let app = TestApp::spawn(
        None,
        &[
            "--trusted-documents",
            &manifest,
            "--trusted-documents-mode",
            "log",
        ],
    )
    .await;
    let series = "catalog_trusted_documents_unknown_total{mode=\"log\"}";
    let before = metric(&app, series).await;

    let (status, _, body) = post(&app, json!({ "query": TYPENAME }), &[]).await;
    let (known, _, _) = post(&app, json!({ "documentId": "shelf-v1" }), &[]).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["__typename"], "Query");
    assert_eq!(known, 200);
    assert!(metric(&app, series).await >= before + 1.0);
}

#[test]
fn a_malformed_manifest_stops_the_start_with_exit_status_2_naming_the_flag() {
    let manifest = temp_file("bad.json", "{\"operations\": [{\"id\": \"x\"}]}");

    let result = start_binary(&[
        "--drain-delay-ms",
        "0",
        "--trusted-documents",
        &manifest,
        "--trusted-documents-mode",
        "enforce",
    ]);

    let Err((status, stderr)) = result else {
        panic!("the gateway started with a malformed manifest");
    };
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("--trusted-documents"), "{stderr}");
    assert!(stderr.contains("manifest"), "{stderr}");
}

/// The binary enforcing the manifest at `manifest`, with `extra` flags; killed on drop.
/// Tests that reload the manifest with SIGHUP need the real process.
struct Enforcing {
    child: std::process::Child,
    address: String,
    client: reqwest::Client,
}

impl Enforcing {
    async fn start(manifest: &str, extra: &[&str]) -> Self {
        let mut flags = vec![
            "--drain-delay-ms".to_owned(),
            "0".to_owned(),
            "--trusted-documents".to_owned(),
            manifest.to_owned(),
            "--trusted-documents-mode".to_owned(),
            "enforce".to_owned(),
        ];
        flags.extend(extra.iter().map(|flag| (*flag).to_owned()));
        let (child, address) = tokio::task::spawn_blocking(move || {
            let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
            start_binary(&flags).unwrap()
        })
        .await
        .unwrap();
        Self {
            child,
            address,
            client: reqwest::Client::new(),
        }
    }

    /// POSTs `query`, with the bypass secret `s3cret` when `bypass`: status and body.
    async fn send(&self, query: &str, bypass: bool) -> (u16, Value) {
        let bypass_header: &[(&str, &str)] = if bypass {
            &[("x-trusted-documents-bypass", "s3cret")]
        } else {
            &[]
        };
        let answer = post_to(&self.address, &json!({ "query": query }), bypass_header).await;
        (answer.status.as_u16(), answer.body)
    }

    /// Sends `query` until its status is no longer `unwanted` (a reload is applied
    /// asynchronously), for at most five seconds; the last answer.
    async fn send_until_not(&self, query: &str, unwanted: u16) -> (u16, Value) {
        let mut answer = (0, Value::Null);
        for _ in 0..100 {
            answer = self.send(query, false).await;
            if answer.0 != unwanted {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        answer
    }

    async fn response_cache_hits(&self) -> f64 {
        let url = format!("http://{}/metrics", self.address);
        let text = self.client.get(url).send().await.unwrap().text().await;
        series_sum(&text.unwrap(), "catalog_response_cache_hits_total ")
    }

    fn hangup(&self) {
        let sent = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }
}

impl Drop for Enforcing {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_manifest_without_a_restart() {
    let path = temp_file("reload.json", &apollo_manifest(&[("shelf-v1", SHELF)]));
    let gateway = Enforcing::start(&path, &[]).await;
    let before = gateway.send(TYPENAME, false).await.0;

    // A broken file on SIGHUP keeps the old list; the new list then takes over.
    std::fs::write(&path, "not json").unwrap();
    gateway.hangup();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after_broken = gateway.send(SHELF, false).await.0;
    std::fs::write(
        &path,
        apollo_manifest(&[("shelf-v1", SHELF), ("t", TYPENAME)]),
    )
    .unwrap();
    gateway.hangup();
    let after = gateway.send_until_not(TYPENAME, 400).await.0;
    drop(gateway);

    assert_eq!(before, 400);
    assert_eq!(after_broken, 200, "a broken reload must keep the old list");
    assert_eq!(after, 200, "the reloaded manifest was not used");
}

// ---- cost ----------------------------------------------------------------------

fn basket(n: usize) -> Vec<String> {
    (0..n as u32).map(crate::support::upc_a).collect()
}

#[tokio::test]
async fn a_basket_costs_its_size_and_over_max_cost_is_refused_with_cost_and_limit() {
    // Its own API-key client, so its cost histogram is its alone in the process.
    let keys = json!({ "keys": [{ "sha256": sha256_hex("cost-key"), "client": "cost-test" }] });
    let keys = temp_file("keys.json", &keys.to_string());
    let app = TestApp::spawn(None, &["--max-cost", "30", "--api-keys", &keys]).await;
    let key = [("x-api-key", "cost-key")];

    let (status, _, body) = post(
        &app,
        json!({ "query": BASKET, "variables": { "g": basket(40) } }),
        &key,
    )
    .await;
    let (served, _, answer) = post(
        &app,
        json!({ "query": BASKET, "variables": { "g": basket(25) }, "extensions": { "cost": true } }),
        &key,
    )
    .await;
    let (plain, _, not_asked) = post(&app, json!({ "query": SHELF }), &key).await;

    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), "QUERY_TOO_COSTLY");
    assert_eq!(body["errors"][0]["extensions"]["cost"], 40);
    assert_eq!(body["errors"][0]["extensions"]["maxCost"], 30);
    assert_eq!(served, 200, "{answer}");
    assert_eq!(answer["extensions"]["cost"]["estimated"], 25, "{answer}");
    assert_eq!(answer["extensions"]["cost"]["maxCost"], 30, "{answer}");
    assert_eq!(plain, 200);
    assert!(not_asked.get("extensions").is_none(), "{not_asked}");
    // The two served operations, 25 + 1; the refused one is not in it.
    let series = "catalog_operation_cost_count{client=\"cost-test\"}";
    assert_eq!(metric(&app, series).await, 2.0);
    let series = "catalog_operation_cost_sum{client=\"cost-test\"}";
    assert_eq!(metric(&app, series).await, 26.0);
}

// ---- answers from the response cache -------------------------------------------

/// The response cache's hits and misses so far (from `/readyz`: this app's own).
async fn cache_counts(app: &TestApp) -> (u64, u64) {
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    let detail = &body["detail"]["responseCache"];
    (
        detail["hits"].as_u64().unwrap_or_default(),
        detail["misses"].as_u64().unwrap_or_default(),
    )
}

#[tokio::test]
async fn a_cached_answer_is_admitted_for_each_client_as_an_executed_one_would_be() {
    // Three clients: one under the flag's limit, one with a lower and one with a
    // higher limit of its own; the same payload from each, asking for its cost.
    let keys = json!({ "keys": [
        { "sha256": sha256_hex("flag-key"), "client": "flag-limit" },
        { "sha256": sha256_hex("low-key"), "client": "low-limit", "maxCost": 2 },
        { "sha256": sha256_hex("high-key"), "client": "high-limit", "maxCost": 50 },
    ] });
    let keys = temp_file("keys.json", &keys.to_string());
    let app = TestApp::spawn(None, &["--api-keys", &keys, "--max-cost", "10"]).await;
    let payload =
        json!({ "query": BASKET, "variables": { "g": basket(3) }, "extensions": { "cost": true } });

    let first = post(&app, payload.clone(), &[("x-api-key", "flag-key")]).await;
    let again = post(&app, payload.clone(), &[("x-api-key", "flag-key")]).await;
    let low = post(&app, payload.clone(), &[("x-api-key", "low-key")]).await;
    let high = post(&app, payload.clone(), &[("x-api-key", "high-key")]).await;
    let high_again = post(&app, payload.clone(), &[("x-api-key", "high-key")]).await;
    let flag_after = post(&app, payload.clone(), &[("x-api-key", "flag-key")]).await;
    let nobody = post(&app, payload.clone(), &[]).await;
    let counts = cache_counts(&app).await;

    assert_eq!(first.0, 200, "{}", first.2);
    assert_eq!(
        first.2["extensions"]["cost"],
        json!({ "estimated": 3, "maxCost": 10 })
    );
    assert_eq!(
        (again.0, &again.2),
        (200, &first.2),
        "the repeat is the same answer"
    );
    assert_eq!(
        low.0, 400,
        "a client whose own limit is lower is refused: {}",
        low.2
    );
    assert_eq!(code(&low.2), "QUERY_TOO_COSTLY");
    assert_eq!(low.2["errors"][0]["extensions"]["maxCost"], 2);
    assert_eq!(high.0, 200, "{}", high.2);
    assert_eq!(
        high.2["extensions"]["cost"],
        json!({ "estimated": 3, "maxCost": 50 }),
        "each client is told its own limit, never another's"
    );
    assert_eq!(high_again.2, high.2);
    assert_eq!(flag_after.2, first.2);
    assert_eq!(nobody.0, 401);
    assert_eq!(code(&nobody.2), "UNAUTHENTICATED");
    // Hits: the flag client's repeat, the high client's repeat; misses: the first,
    // the high client's first (the stored answer shows the flag's limit) and the
    // flag client's next (it now shows 50); the refused ones are not counted.
    assert_eq!(counts, (2, 3), "(hits, misses)");
    // Every served request counted, from the cache or not.
    let served = "catalog_operation_cost_count{client=\"flag-limit\"}";
    assert_eq!(metric(&app, served).await, 3.0);
}

#[tokio::test]
async fn a_cached_answer_of_a_bypassed_or_withdrawn_document_is_refused() {
    let other = "query Other { product(gtin: \"036000291452\") { gtin } }";
    let path = temp_file("withdraw.json", &apollo_manifest(&[("shelf-v1", SHELF)]));
    let gateway = Enforcing::start(&path, &["--trusted-documents-bypass-secret", "s3cret"]).await;

    let bypassed = gateway.send(other, true).await;
    let bypassed_again = gateway.send(other, true).await;
    let without_secret = gateway.send(other, false).await;
    let shelf = gateway.send(SHELF, false).await;
    let shelf_hits_before = gateway.response_cache_hits().await;
    let shelf_again = gateway.send(SHELF, false).await;
    let shelf_hits = gateway.response_cache_hits().await - shelf_hits_before;
    // SHELF leaves the manifest; its answer is still in the response cache.
    std::fs::write(&path, apollo_manifest(&[("typename", TYPENAME)])).unwrap();
    gateway.hangup();
    let withdrawn = gateway.send_until_not(SHELF, 200).await;
    drop(gateway);

    assert_eq!(bypassed.0, 200, "{}", bypassed.1);
    assert_eq!(bypassed_again.1, bypassed.1);
    assert_eq!(without_secret.0, 400, "{}", without_secret.1);
    assert_eq!(code(&without_secret.1), "PERSISTED_QUERY_NOT_ALLOWED");
    assert_eq!((shelf.0, shelf_again.0), (200, 200));
    assert_eq!(shelf_hits, 1.0, "the repeat was a hit");
    assert_eq!(withdrawn.0, 400, "{}", withdrawn.1);
    assert_eq!(code(&withdrawn.1), "PERSISTED_QUERY_NOT_ALLOWED");
}

// ---- rate limits ---------------------------------------------------------------

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after_and_ratelimit_headers_others_do_not() {
    // 0.1 unit/s: nothing comes back during the test, so the count is exact.
    let app = TestApp::spawn(
        None,
        &[
            "--rate-limit",
            "0.1",
            "--rate-limit-burst",
            "3",
            "--client-id-header",
            "x-client-id",
        ],
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (status, _, _) =
            post(&app, json!({ "query": TYPENAME }), &[("x-client-id", "a")]).await;
        statuses.push(status);
    }
    let (limited, headers, body) =
        post(&app, json!({ "query": TYPENAME }), &[("x-client-id", "a")]).await;
    let (other, other_headers, _) =
        post(&app, json!({ "query": TYPENAME }), &[("x-client-id", "b")]).await;

    assert_eq!(statuses, [200, 200, 200, 429]);
    assert_eq!(limited, 429);
    assert_eq!(code(&body), "RATE_LIMITED");
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    assert_eq!(headers["ratelimit-policy"], "\"default\";q=3;w=30");
    assert!(
        headers["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with("\"default\";r=0;t="),
        "{:?}",
        headers["ratelimit"]
    );
    assert_eq!(other, 200);
    assert!(
        other_headers["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with("\"default\";r=2;"),
        "{:?}",
        other_headers["ratelimit"]
    );
}

#[tokio::test]
async fn a_costly_basket_spends_more_of_the_allowance_than_a_lookup() {
    let app = TestApp::spawn(None, &["--rate-limit", "0.1", "--rate-limit-burst", "40"]).await;

    let (first, _, _) = post(
        &app,
        json!({ "query": BASKET, "variables": { "g": basket(30) } }),
        &[],
    )
    .await;
    let (second, _, body) = post(
        &app,
        json!({ "query": BASKET, "variables": { "g": basket(30) } }),
        &[],
    )
    .await;
    let (small, _, _) = post(&app, json!({ "query": SHELF }), &[]).await;

    assert_eq!(first, 200);
    assert_eq!(second, 429, "{body}");
    assert_eq!(small, 200, "10 units are left for a lookup");
}

#[tokio::test]
async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let flags = |trusted: bool| {
        let mut flags = vec!["--rate-limit", "0.1", "--rate-limit-burst", "1"];
        if trusted {
            flags.extend(["--trusted-proxies", "127.0.0.0/8"]);
        }
        flags
    };
    let behind_proxy = TestApp::spawn(None, &flags(true)).await;
    let direct = TestApp::spawn(None, &flags(false)).await;

    let mut proxied = Vec::new();
    for ip in ["203.0.113.1", "203.0.113.1", "203.0.113.2"] {
        let headers = [("x-forwarded-for", ip)];
        proxied.push(
            post(&behind_proxy, json!({ "query": TYPENAME }), &headers)
                .await
                .0,
        );
    }
    let mut spoofed = Vec::new();
    for ip in ["203.0.113.1", "203.0.113.2"] {
        let headers = [("x-forwarded-for", ip)];
        spoofed.push(
            post(&direct, json!({ "query": TYPENAME }), &headers)
                .await
                .0,
        );
    }

    assert_eq!(proxied, [200, 429, 200]);
    assert_eq!(
        spoofed,
        [200, 429],
        "an untrusted peer's X-Forwarded-For is ignored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_one_allowance_through_redis_and_serve_on_when_it_is_down() {
    let mut redis = RedisServer::start().await;
    let flags = [
        "--rate-limit",
        "0.1",
        "--rate-limit-burst",
        "4",
        "--client-id-header",
        "x-client-id",
        "--rate-limit-redis-url",
        &redis.url(),
        // Generous: a loaded test machine must not make Redis look down.
        "--rate-limit-redis-budget-ms",
        "2000",
    ];
    let one = TestApp::spawn(None, &flags).await;
    let two = TestApp::spawn(None, &flags).await;
    let id = [("x-client-id", "fleet")];
    // Both replicas connected before counting (Redis connects lazily).
    for (n, app) in [&one, &two].into_iter().enumerate() {
        let warm_up = format!("warm-up-{n}");
        let (status, _, _) = post(
            app,
            json!({ "query": TYPENAME }),
            &[("x-client-id", &warm_up)],
        )
        .await;
        assert_eq!(status, 200);
    }

    let mut statuses = Vec::new();
    for n in 0..6 {
        let app = if n % 2 == 0 { &one } else { &two };
        statuses.push(post(app, json!({ "query": TYPENAME }), &id).await.0);
    }
    let fallbacks_while_up =
        readyz(&one).await.1["detail"]["protection"]["redisFallbacks"].as_u64();
    let ttls: Vec<i64> = {
        let client = redis::Client::open(redis.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("catalog:ratelimit:*")
            .query_async(&mut conn)
            .await
            .unwrap();
        let mut ttls = Vec::new();
        for key in keys {
            ttls.push(
                redis::cmd("PTTL")
                    .arg(key)
                    .query_async(&mut conn)
                    .await
                    .unwrap(),
            );
        }
        ttls
    };
    redis.stop();
    let (down, _, body) = post(
        &one,
        json!({ "query": TYPENAME }),
        &[("x-client-id", "new")],
    )
    .await;

    // Four units for the client across both replicas, not four each.
    assert_eq!(
        fallbacks_while_up,
        Some(0),
        "Redis was up: no local decision"
    );
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429]);
    // One key per client (two warm-ups and "fleet"), each expiring when its bucket is full.
    assert_eq!(ttls.len(), 3, "{ttls:?}");
    assert!(ttls.iter().all(|ttl| *ttl > 0), "{ttls:?}");
    assert_eq!(down, 200, "Redis down must not refuse traffic: {body}");
    assert!(readyz(&one).await.1["detail"]["protection"]["redisFallbacks"].as_u64() >= Some(1));
}

// ---- API keys ------------------------------------------------------------------

#[tokio::test]
async fn api_keys_name_the_client_and_carry_its_own_limits() {
    let keys = json!({ "keys": [
        { "sha256": sha256_hex("till-key-1"), "client": "till-app", "maxCost": 5 },
        { "sha256": sha256_hex("partner-key"), "client": "partner", "rateLimit": 0.1, "burst": 1 },
    ] });
    let path = temp_file("keys.json", &keys.to_string());
    let app = TestApp::spawn(None, &["--api-keys", &path, "--max-cost", "100"]).await;
    let query = |g: usize| json!({ "query": BASKET, "variables": { "g": basket(g) } });

    let missing = post(&app, query(1), &[]).await;
    let wrong = post(&app, query(1), &[("x-api-key", "guess")]).await;
    let till = post(&app, query(5), &[("x-api-key", "till-key-1")]).await;
    let till_over = post(&app, query(6), &[("x-api-key", "till-key-1")]).await;
    let partner = post(&app, query(6), &[("x-api-key", "partner-key")]).await;
    let partner_again = post(&app, query(1), &[("x-api-key", "partner-key")]).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();

    assert_eq!(missing.0, 401, "{}", missing.2);
    assert_eq!(code(&missing.2), "UNAUTHENTICATED");
    assert_eq!(wrong.0, 401);
    assert_eq!(till.0, 200, "{}", till.2);
    assert_eq!(till_over.0, 400);
    assert_eq!(till_over.2["errors"][0]["extensions"]["maxCost"], 5);
    assert_eq!(partner.0, 200, "the flag's max cost applies to the partner");
    assert_eq!(partner_again.0, 429, "the partner's own rate applies");
    assert!(
        metrics.contains("catalog_client_requests_total{client=\"till-app\",outcome=\"admitted\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("client=\"partner\",outcome=\"rate_limited\""));
    assert!(!metrics.contains("till-key-1") && !metrics.contains("partner-key"));
}

#[test]
fn the_request_log_line_names_the_client_and_never_the_key() {
    use std::io::{BufRead, BufReader};

    let keys = json!({ "keys": [{ "sha256": sha256_hex("till-key-1"), "client": "till-app" }] });
    let path = temp_file("keys.json", &keys.to_string());
    let (mut child, address) =
        start_binary_with(&["--drain-delay-ms", "0", "--api-keys", &path], |command| {
            command.stdout(Stdio::piped());
        })
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("http://{address}/graphql"))
            .header("x-api-key", "till-key-1")
            .json(&json!({ "query": TYPENAME }))
            .send()
            .await
            .unwrap();
    });
    let line = lines
        .map(|line| line.unwrap())
        .find(|line| line.contains("\"message\":\"request\""))
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();

    let entry: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(entry["client"], "till-app", "{line}");
    assert!(!line.contains("till-key-1"), "{line}");
}

// ---- flood ---------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_client_ids_keeps_the_limiter_bounded_and_fair_clients_served() {
    const MAX_CLIENTS: u64 = 100;
    const FLOOD: usize = 2_000;
    let max_clients = MAX_CLIENTS.to_string();
    // 0.01 unit/s: the greedy client gets its burst and nothing back during the test.
    let app = TestApp::spawn(
        None,
        &[
            "--rate-limit",
            "0.01",
            "--rate-limit-burst",
            "5",
            "--client-id-header",
            "x-client-id",
            "--rate-limit-max-clients",
            &max_clients,
            "--max-in-flight",
            "100000",
        ],
    )
    .await;
    let app = std::sync::Arc::new(app);

    // A flood: FLOOD requests, each from a new client id, 16 at a time; plus one
    // greedy client hammering with one id. Bounded in time.
    let flood = {
        let app = std::sync::Arc::clone(&app);
        tokio::spawn(async move {
            use futures::StreamExt;
            let statuses: Vec<u16> = futures::stream::iter(0..FLOOD)
                .map(|n| {
                    let app = std::sync::Arc::clone(&app);
                    async move {
                        let id = if n % 4 == 0 {
                            "greedy".to_owned()
                        } else {
                            format!("flood-{n}")
                        };
                        post(&app, json!({ "query": TYPENAME }), &[("x-client-id", &id)])
                            .await
                            .0
                    }
                })
                .buffer_unordered(16)
                .collect()
                .await;
            statuses
        })
    };
    // A fair client: five requests (its burst) while the flood runs.
    let mut fair = Vec::new();
    for _ in 0..5 {
        fair.push(
            post(
                &app,
                json!({ "query": TYPENAME }),
                &[("x-client-id", "fair")],
            )
            .await
            .0,
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let statuses = tokio::time::timeout(Duration::from_secs(120), flood)
        .await
        .expect("the flood ends in time")
        .unwrap();
    let held = readyz(&app).await.1["detail"]["protection"]["rateLimiterClients"]
        .as_u64()
        .unwrap();

    let errors = statuses.iter().filter(|s| **s >= 500).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    eprintln!(
        "flood: {FLOOD} requests ({} client ids), {limited} refused, {errors} errors; \
         the limiter holds {held} clients (bound {MAX_CLIENTS})",
        FLOOD * 3 / 4 + 1
    );
    assert_eq!(fair, [200; 5], "the fair client is served");
    assert_eq!(errors, 0, "no request of the flood failed");
    // The greedy client got its burst of 5 and then 429s; new ids were each served.
    assert_eq!(
        limited,
        FLOOD / 4 - 5,
        "all but the greedy client's burst are refused"
    );
    assert!(
        held <= MAX_CLIENTS,
        "the limiter holds {held} clients, bound {MAX_CLIENTS}"
    );
}
