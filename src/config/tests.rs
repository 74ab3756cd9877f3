//! The flags against what they convert into: the documented defaults, values typed at
//! the flag, refusals naming the flag, no environment read by `Settings::from_flags`,
//! `--help` grouped by section, Redis topologies, `--ready-file`, and the `demo-catalog`
//! subcommand's flags.

use super::*;

fn refused(flags: &[&str]) -> String {
    match Settings::from_flags(flags.iter().copied()) {
        Ok(_) => panic!("{flags:?} should be refused"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn the_defaults_parse_into_the_documented_values() {
    let settings =
        Settings::from_flags(std::iter::empty::<String>()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        settings.server.listen,
        "0.0.0.0:8080".parse().unwrap_or_else(|_| unreachable!())
    );
    assert_eq!(settings.upstream.url, None);
    assert_eq!(settings.upstream.client.timeout, Duration::from_secs(2));
    assert_eq!(settings.upstream.batch_window, Duration::from_millis(1));
    assert_eq!(settings.cache.ttl, Duration::from_secs(300));
    assert_eq!(settings.http.limits.max_body_bytes, 262_144);
    assert!(settings.telemetry.metrics);
}

#[test]
fn values_are_typed_at_the_flag() {
    let settings = Settings::from_flags([
        "--upstream-key-format",
        "upc",
        "--rcn-region",
        "gb",
        "--batch-window-us",
        "250",
        "--cors-allow-origins",
        "http://localhost:5173,https://shop.example",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        settings.upstream.client.key_format,
        crate::catalog::KeyFormat::Upc
    );
    assert_eq!(settings.graphql.rcn_region, Some(RcnRegion::Gb));
    assert_eq!(
        settings.upstream.loader().window,
        Duration::from_micros(250)
    );
    assert_eq!(settings.http.cors_origins.len(), 2);
}

#[test]
fn a_bad_value_is_refused_naming_its_flag() {
    for (flags, flag) in [
        (
            &["--upstream-retry-budget", "1.5"][..],
            "--upstream-retry-budget",
        ),
        (&["--breaker-failure-rate", "0"], "--breaker-failure-rate"),
        (
            &["--breaker-failure-threshold", "0"],
            "--breaker-failure-threshold",
        ),
        (&["--cache-redis-url", "http://x"], "--cache-redis-url"),
        (
            &["--cors-allow-origins", "localhost:5173"],
            "--cors-allow-origins",
        ),
        (&["--upstream-url", "ftp://x"], "--upstream-url"),
        (&["--rcn-region", "XX"], "--rcn-region"),
        (&["--upstream-timeout-ms", "0"], "--upstream-timeout-ms"),
    ] {
        let message = refused(flags);
        assert!(message.contains(flag), "{flags:?}: {message}");
    }
}

#[test]
fn contradicting_settings_are_refused_naming_the_flag_to_change() {
    for (flags, flag) in [
        (
            &[
                "--cache",
                "off",
                "--cache-redis-url",
                "redis://127.0.0.1:6379",
            ][..],
            "--cache-redis-url",
        ),
        (
            &["--upstream-concurrency", "2305843009213693952"],
            "--upstream-concurrency",
        ),
    ] {
        let message = refused(flags);
        assert!(message.contains(flag), "{flags:?}: {message}");
    }
}

#[test]
fn protection_is_off_by_default_and_its_flags_are_typed() {
    let defaults = Settings::default();
    assert!(!defaults.protection.is_active());
    let settings = Settings::from_flags([
        "--rate-limit",
        "2.5",
        "--max-cost",
        "50",
        "--trusted-proxies",
        "10.0.0.0/8,192.168.1.1",
        "--client-id-header",
        "X-Client-Id",
        "--cache-redis-url",
        "redis://127.0.0.1:1",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let protection = &settings.protection;
    assert!(protection.is_active());
    assert_eq!(
        protection.rate_limit,
        Some(crate::protect::RatePolicy {
            rate: 2.5,
            burst: 3
        })
    );
    assert_eq!(protection.max_cost, Some(50));
    assert_eq!(protection.trusted_proxies.len(), 2);
    assert_eq!(
        protection.client_id_header.as_ref().map(|h| h.as_str()),
        Some("x-client-id")
    );
    // The cache's Redis is the rate limiter's by default.
    assert_eq!(
        protection.rate_limit_redis.as_ref().map(|r| &r.topology),
        Some(&RedisTopology::Single("redis://127.0.0.1:1".to_owned()))
    );
    for (flags, flag) in [
        (&["--rate-limit", "0"][..], "--rate-limit"),
        (&["--max-cost", "0"], "--max-cost"),
        (&["--trusted-proxies", "10.0.0.0/40"], "--trusted-proxies"),
        (
            &["--trusted-documents", "/nonexistent.json"],
            "--trusted-documents",
        ),
        (&["--api-keys", "/nonexistent.json"], "--api-keys"),
        (
            &["--trusted-documents-mode", "enforce"],
            "--trusted-documents-mode",
        ),
    ] {
        let message = refused(flags);
        assert!(message.contains(flag), "{flags:?}: {message}");
    }
}

#[test]
fn ready_file_is_off_by_default_and_takes_a_path() {
    let default =
        Settings::from_flags(std::iter::empty::<String>()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(default.server.ready_file, None);
    let settings = Settings::from_flags(["--ready-file", "/run/gateway/address"])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        settings.server.ready_file.as_deref(),
        Some(std::path::Path::new("/run/gateway/address"))
    );
    assert!(
        Cli::command()
            .render_help()
            .to_string()
            .contains("--ready-file <PATH>")
    );
}

#[test]
fn a_redis_topology_is_one_of_url_sentinels_or_cluster_named_by_its_flag() {
    for (flags, flag) in [
        (
            &[
                "--cache-redis-url",
                "redis://a:1",
                "--cache-redis-cluster",
                "redis://b:1",
            ][..],
            "--cache-redis-cluster",
        ),
        (
            &[
                "--cache-redis-url",
                "redis://a:1",
                "--cache-redis-sentinels",
                "s:26379",
            ],
            "--cache-redis-sentinels",
        ),
        (
            &[
                "--cache-redis-sentinels",
                "s:26379",
                "--cache-redis-cluster",
                "redis://b:1",
            ],
            "--cache-redis-cluster",
        ),
        (
            &["--cache-redis-sentinels", "s:26379"],
            "--cache-redis-sentinel-master",
        ),
        (
            &["--cache-redis-sentinel-master", "mymaster"],
            "--cache-redis-sentinels",
        ),
        (&["--cache-redis-sentinels", "s"], "--cache-redis-sentinels"),
        (
            &["--cache-redis-sentinels", "s:port"],
            "--cache-redis-sentinels",
        ),
        (
            &[
                "--cache-redis-sentinels",
                "s:1,rediss://t:2",
                "--cache-redis-sentinel-master",
                "m",
            ],
            "--cache-redis-sentinels",
        ),
        (&["--cache-redis-cluster", ""], "--cache-redis-cluster"),
        (
            &["--cache-redis-cluster", "redis://a:1,http://b"],
            "--cache-redis-cluster",
        ),
        (
            &[
                "--cache-redis-url",
                "redis://a:1",
                "--cache-redis-ca-file",
                "/nonexistent.pem",
            ],
            "--cache-redis-ca-file",
        ),
        (
            &[
                "--rate-limit-redis-cluster",
                "redis://a:1",
                "--rate-limit-redis-url",
                "redis://b:1",
            ],
            "--rate-limit-redis-cluster",
        ),
        (
            &["--rate-limit-redis-sentinels", "s:1"],
            "--rate-limit-redis-sentinel-master",
        ),
        (
            &["--cache", "off", "--cache-redis-cluster", "redis://a:1"],
            "--cache-redis-cluster",
        ),
    ] {
        let message = refused(flags);
        assert!(message.contains(flag), "{flags:?}: {message}");
    }
}

#[test]
fn sentinel_and_cluster_flags_make_their_topology_and_the_rate_limiter_follows_the_cache() {
    let env = |name: &str| match name {
        "CATALOG_CACHE_REDIS_USERNAME" => Some("gateway".to_owned()),
        "CATALOG_CACHE_REDIS_PASSWORD" => Some("s3cret".to_owned()),
        "CATALOG_CACHE_REDIS_SENTINEL_PASSWORD" => Some("watch".to_owned()),
        _ => None,
    };
    let settings = Settings::from_flags_with_env(
        [
            "--cache-redis-sentinels",
            "s1:26379,s2:26380",
            "--cache-redis-sentinel-master",
            "catalog",
            "--rate-limit",
            "10",
        ],
        &env,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cache = settings.cache.redis.as_ref().map(|r| r.target.clone());
    let Some(cache) = cache else {
        panic!("no cache redis")
    };
    assert_eq!(
        cache.topology,
        RedisTopology::Sentinel {
            sentinels: vec!["s1:26379".to_owned(), "s2:26380".to_owned()],
            master: "catalog".to_owned(),
            tls: false,
        }
    );
    assert_eq!(cache.auth.username.as_deref(), Some("gateway"));
    assert_eq!(
        cache.auth.password.as_ref().map(|p| p.0.as_str()),
        Some("s3cret")
    );
    assert_eq!(
        cache.sentinel_auth.password.as_ref().map(|p| p.0.as_str()),
        Some("watch")
    );
    assert!(!format!("{settings:?}").contains("s3cret"));
    assert_eq!(settings.protection.rate_limit_redis.as_ref(), Some(&cache));

    let settings = Settings::from_flags([
        "--cache-redis-cluster",
        "redis://a:7000,redis://b:7001",
        "--rate-limit-redis-url",
        "rediss://limits:6380",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        settings.cache.redis.map(|r| r.target.topology),
        Some(RedisTopology::Cluster(vec![
            "redis://a:7000".to_owned(),
            "redis://b:7001".to_owned()
        ]))
    );
    assert_eq!(
        settings.protection.rate_limit_redis.map(|r| r.topology),
        Some(RedisTopology::Single("rediss://limits:6380".to_owned()))
    );
}

#[test]
fn settings_from_flags_read_no_environment() {
    let command = ServeArgs::augment_args(clap::Command::new("x")).mut_args(|arg| arg.env(None));
    assert!(command.get_arguments().all(|arg| arg.get_env().is_none()));
    // …while the real command line does read CATALOG_* variables.
    let cli = Cli::command();
    assert!(cli.get_arguments().any(|arg| arg.get_env().is_some()));
}

#[test]
fn help_groups_the_flags_by_section() {
    let help = Cli::command().render_help().to_string();
    for heading in [
        "Server:",
        "Upstream catalog:",
        "Product cache:",
        "GraphQL:",
        "HTTP:",
        "Telemetry:",
        "Protection:",
    ] {
        assert!(help.contains(heading), "{heading} missing from --help");
    }
}

fn demo_catalog(flags: &[&str]) -> Result<DemoCatalogConfig, clap::Error> {
    let args = ["catalog-gateway", "demo-catalog"].iter().chain(flags);
    match Cli::try_parse_from(args)?.command {
        Some(Command::DemoCatalog(config)) => Ok(config),
        other => panic!("not demo-catalog: {other:?}"),
    }
}

#[test]
fn demo_catalog_takes_a_dialect_with_credentials_and_a_page_cap() {
    let plain = demo_catalog(&["--listen", "127.0.0.1:9091"]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plain.dialect_settings(), None);
    let config = demo_catalog(&[
        "--listen",
        "127.0.0.1:9091",
        "--dialect",
        "akeneo",
        "--client-id",
        "id",
        "--client-secret",
        "secret",
        "--username",
        "api",
        "--token-ttl-s",
        "120",
        "--page-cap",
        "7",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let dialect = config
        .dialect_settings()
        .unwrap_or_else(|| panic!("no dialect"));
    assert_eq!(dialect.dialect, Dialect::Akeneo);
    assert_eq!(dialect.page_cap, Some(7));
    let oauth = dialect.oauth.unwrap_or_else(|| panic!("no client"));
    assert_eq!(
        (oauth.client_id.as_str(), oauth.client_secret.as_str()),
        ("id", "secret")
    );
    assert_eq!(
        (oauth.username.as_deref(), oauth.password.as_deref()),
        (Some("api"), None)
    );
    assert_eq!(oauth.token_ttl, Duration::from_secs(120));
}

#[test]
fn demo_catalog_refuses_unknown_dialects_and_credentials_without_a_dialect() {
    for flags in [
        &["--dialect", "shopify"][..],
        &["--bearer-token", "t"],
        &["--dialect", "commercetools", "--client-id", "id"],
        &["--dialect", "openfoodfacts", "--page-cap", "0"],
    ] {
        assert!(demo_catalog(flags).is_err(), "{flags:?} should be refused");
    }
}
