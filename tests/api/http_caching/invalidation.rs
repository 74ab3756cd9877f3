//! `POST /admin/invalidate` over real sockets: auth, bad input, every tier, across
//! two replicas through one real Redis, and a fetch begun before the change.

use super::*;

// ---------------------------------------------------------------------------
// POST /admin/invalidate
// ---------------------------------------------------------------------------

#[tokio::test]
async fn without_an_admin_token_the_route_does_not_exist() {
    let (_upstream, app) = start(&[]).await;

    let answer = invalidate(
        &app,
        Some(TOKEN),
        &json!({ "gtins": [upc_a(1)] }).to_string(),
    )
    .await;

    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_401_and_changes_nothing() {
    let (upstream, app) = start(&["--admin-token", TOKEN]).await;
    post(&app, &product(&upc_a(1)), &[]).await;
    let body = json!({ "gtins": [upc_a(1)] }).to_string();

    let missing = invalidate(&app, None, &body).await;
    let wrong = invalidate(&app, Some("test-admin-token-0123456788"), &body).await;
    let prefix = invalidate(&app, Some(&TOKEN[..10]), &body).await;
    let basic = Answer::read(
        app.client
            .post(format!("{}/admin/invalidate", app.address))
            .header("authorization", format!("Basic {TOKEN}"))
            .body(body.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let after = post(&app, &product(&upc_a(1)), &[]).await;

    for refused in [&missing, &wrong, &prefix, &basic] {
        assert_eq!(refused.status, 401);
        assert_eq!(
            refused.body["errors"][0]["extensions"]["code"],
            "UNAUTHORIZED"
        );
        assert!(refused.header("www-authenticate").starts_with("Bearer"));
        assert_eq!(refused.header("cache-control"), "no-store");
    }
    assert_eq!(after.body["data"]["product"]["title"], "item 1");
    assert_eq!(upstream.call_count(), 1, "still cached");
    assert_eq!(readyz_detail(&app).await["responseCache"]["hits"], 1);
}

#[tokio::test]
async fn bad_admin_input_is_a_clear_400_and_changes_nothing() {
    let (upstream, app) = start(&["--admin-token", TOKEN]).await;
    post(&app, &product(&upc_a(1)), &[]).await;
    let ten_thousand: Vec<String> = (0..10_000).map(upc_a).collect();

    let cases = [
        ("not JSON", "gtins: 1".to_owned(), "BAD_REQUEST"),
        (
            "not a list",
            json!({ "gtins": upc_a(1) }).to_string(),
            "BAD_REQUEST",
        ),
        ("a bare list", json!([upc_a(1)]).to_string(), "BAD_REQUEST"),
        (
            "not strings",
            json!({ "gtins": [1] }).to_string(),
            "BAD_REQUEST",
        ),
        ("empty", json!({ "gtins": [] }).to_string(), "BAD_REQUEST"),
        (
            "10,000 codes",
            json!({ "gtins": ten_thousand }).to_string(),
            "TOO_MANY_GTINS",
        ),
        (
            "an invalid code among valid ones",
            json!({ "gtins": [upc_a(1), "036000291453"] }).to_string(),
            "INVALID_GTIN",
        ),
    ];
    for (what, body, code) in &cases {
        let answer = invalidate(&app, Some(TOKEN), body).await;
        assert_eq!(answer.status, 400, "{what}: {}", answer.body);
        assert_eq!(
            answer.body["errors"][0]["extensions"]["code"], *code,
            "{what}: {}",
            answer.body
        );
        assert!(
            !answer.body["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
    }
    let invalid = invalidate(
        &app,
        Some(TOKEN),
        &json!({ "gtins": [upc_a(1), "036000291453"] }).to_string(),
    )
    .await;
    let message = invalid.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("[1] \"036000291453\""), "{message}");

    let after = post(&app, &product(&upc_a(1)), &[]).await;
    assert_eq!(after.body["data"]["product"]["title"], "item 1");
    assert_eq!(upstream.call_count(), 1, "nothing was invalidated");
    let detail = readyz_detail(&app).await["responseCache"].clone();
    assert_eq!(
        (detail["hits"].as_u64(), detail["invalidated"].as_u64()),
        (Some(1), Some(0))
    );
}

#[tokio::test]
async fn an_invalidated_product_is_fetched_again_and_its_tags_are_answered() {
    let (upstream, app) = start(&["--admin-token", TOKEN]).await;
    let one = post(&app, &product(&upc_a(1)), &[]).await;
    let both = post(&app, &products(&[upc_a(1), upc_a(2)]), &[]).await;
    let two = post(&app, &product(&upc_a(2)), &[]).await;
    assert_eq!(upstream.call_count(), 2);
    upstream.insert_product(&upc_a(1), "item 1, renamed");

    // Another spelling of the same product: EAN-13 with separators.
    let spelled = format!("0{}-{}", &upc_a(1)[..6], &upc_a(1)[6..]);
    let answer = invalidate(
        &app,
        Some(TOKEN),
        &json!({ "gtins": [spelled] }).to_string(),
    )
    .await;
    let one_after = post(&app, &product(&upc_a(1)), &[]).await;
    let both_after = post(&app, &products(&[upc_a(1), upc_a(2)]), &[]).await;
    let two_after = post(&app, &product(&upc_a(2)), &[]).await;

    let tag = format!("gtin-{}", gtin14(&upc_a(1)));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("cache-control"), "no-store");
    assert_eq!(answer.body["invalidated"], json!([gtin14(&upc_a(1))]));
    assert_eq!(answer.body["tags"], json!([tag]));
    assert_eq!(answer.body["cacheTag"], tag);
    assert_eq!(answer.body["surrogateKey"], tag);
    assert_eq!(answer.body["redis"], "not configured");
    assert_eq!(one.body["data"]["product"]["title"], "item 1");
    assert_eq!(
        one_after.body["data"]["product"]["title"],
        "item 1, renamed"
    );
    assert_eq!(
        both_after.body["data"]["products"][0]["title"],
        "item 1, renamed"
    );
    assert_ne!(one_after.header("etag"), one.header("etag"));
    assert_ne!(both_after.bytes, both.bytes);
    assert_eq!(two_after.bytes, two.bytes, "other products are untouched");
    assert_eq!(
        upstream.call_count(),
        3,
        "one fetch of the invalidated product"
    );
    let detail = readyz_detail(&app).await["responseCache"].clone();
    assert_eq!(detail["invalidated"], 2, "{detail}");
    assert_eq!(detail["hits"], 1, "{detail}");
}

#[tokio::test]
async fn an_invalidation_on_one_replica_reaches_the_other_through_redis() {
    let redis = RedisServer::start().await;
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(1), "item 1");
    let url = redis.url();
    let flags = [
        "--cache-redis-url",
        url.as_str(),
        "--cache-redis-budget-ms",
        "200",
        "--admin-token",
        TOKEN,
    ];
    let a = TestApp::spawn(Some(&upstream.url()), &flags).await;
    let b = TestApp::spawn(Some(&upstream.url()), &flags).await;
    for app in [&a, &b] {
        wait_for(app, |detail| {
            detail["cache"]["redis"] == "connected"
                && detail["cache"]["followsInvalidations"] == true
        })
        .await;
    }
    for app in [&a, &b] {
        let answer = post(app, &product(&upc_a(1)), &[]).await;
        assert_eq!(answer.body["data"]["product"]["title"], "item 1");
    }
    upstream.insert_product(&upc_a(1), "item 1, renamed");
    let before = post(&b, &product(&upc_a(1)), &[]).await;
    assert_eq!(
        before.body["data"]["product"]["title"], "item 1",
        "B holds it"
    );

    let answer = invalidate(&a, Some(TOKEN), &json!({ "gtins": [upc_a(1)] }).to_string()).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["redis"], "done");
    let on_a = post(&a, &product(&upc_a(1)), &[]).await;
    assert_eq!(on_a.body["data"]["product"]["title"], "item 1, renamed");
    // B learns of it through the invalidation stream: wait for it, not for a TTL (300 s).
    let mut on_b = Value::Null;
    for _ in 0..250 {
        on_b = post(&b, &product(&upc_a(1)), &[]).await.body;
        if on_b["data"]["product"]["title"] == "item 1, renamed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        on_b["data"]["product"]["title"], "item 1, renamed",
        "{on_b}"
    );
    assert!(
        readyz_detail(&b).await["responseCache"]["invalidated"].as_u64() >= Some(1),
        "B dropped its response-cache entry"
    );
}

/// Waits (at most 5 s) until `/readyz` detail satisfies `ready`.
async fn wait_for(app: &TestApp, ready: impl Fn(&Value) -> bool) {
    for _ in 0..250 {
        if ready(&readyz_detail(app).await) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never ready: {}", readyz_detail(app).await);
}

#[tokio::test]
async fn what_a_fetch_begun_before_the_change_brings_back_is_forgotten_once_it_settles() {
    // The upstream decides its answer when asked and delivers it 400 ms later.
    let (upstream, app) = start(&[
        "--admin-token",
        TOKEN,
        "--upstream-fetch-deadline-ms",
        "1000",
        "--upstream-timeout-ms",
        "1000",
    ])
    .await;
    upstream.read_on_arrival(true);
    upstream.set_delay(Duration::from_millis(400));
    let in_flight = {
        let (client, address) = (app.client.clone(), app.address.clone());
        tokio::spawn(async move {
            client
                .post(format!("{address}/graphql"))
                .json(&product(&upc_a(1)))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;

    // The catalog changes and the gateway is told while that fetch is under way.
    upstream.insert_product(&upc_a(1), "item 1, renamed");
    let answer = invalidate(
        &app,
        Some(TOKEN),
        &json!({ "gtins": [upc_a(1)] }).to_string(),
    )
    .await;
    let old = in_flight.await.unwrap();

    assert_eq!(answer.status, 200);
    assert_eq!(
        old["data"]["product"]["title"], "item 1",
        "decided before the change"
    );
    // Once the fetch deadline has passed, the old copy it cached is gone.
    let mut latest = Value::Null;
    for _ in 0..100 {
        latest = post(&app, &product(&upc_a(1)), &[]).await.body;
        if latest["data"]["product"]["title"] == "item 1, renamed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        latest["data"]["product"]["title"], "item 1, renamed",
        "{latest}"
    );
}
