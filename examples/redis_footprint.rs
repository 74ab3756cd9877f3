//! The capacity model's Redis figures (docs/capacity.md): how many bytes a cached
//! product takes in Redis, measured, not estimated. Products of the demo catalog go
//! through the gateway's own path (the upstream parser, then `ProductCache::put_many`
//! with a Redis tier: the real codec, the real `SET … PX` pipeline and key prefix)
//! into a `redis-server` of your own; then Redis is asked what they cost.
//!
//! ```sh
//! redis-server --port 6399 --save '' --appendonly no &
//! cargo run --release --example redis_footprint -- --redis-url redis://127.0.0.1:6399
//! ```
//!
//! Prints, per kind of product (`generated`: the demo catalog's generated items, the
//! bulk; `curated`: its hand-written items, real products' texts; `large`: generated
//! items enlarged to ~16 KB on the wire, the heavy tail), the distribution of the
//! encoded value's size (`STRLEN`) and the mean `MEMORY USAGE` of a key; and for the
//! `generated` set, `used_memory` (`INFO memory`) before and after, divided by the
//! keys written: what a key costs Redis all in (key, value, expiry, dictionary
//! entries, allocator rounding). Refuses a Redis that already holds keys.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use catalog_gateway::cache::{CacheSettings, ProductCache, RedisSettings};
use catalog_gateway::catalog::{Product, read_contract_batch};
use catalog_gateway::demo::{DemoCatalog, DemoProduct};
use catalog_gateway::gtin::Gtin;
use catalog_gateway::redis_topology::RedisTarget;
use clap::Parser;
use redis::aio::MultiplexedConnection;

/// Products per `put_many` (the loader stores one fetch's answers at once).
const CHUNK: usize = 500;

#[derive(Parser, Debug)]
#[command(about = "Bytes a cached product takes in Redis, through the gateway's own cache")]
struct Args {
    /// The Redis to fill (must be empty).
    #[arg(long)]
    redis_url: String,
    /// Generated demo items to write (spread over the 16 million).
    #[arg(long, default_value_t = 100_000)]
    generated: u32,
    /// Enlarged (~16 KB) items to write.
    #[arg(long, default_value_t = 500)]
    large: u32,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("failed to start a tokio runtime")?
        .block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let mut redis = redis::Client::open(args.redis_url.as_str())
        .context("bad --redis-url")?
        .get_multiplexed_async_connection()
        .await
        .context("failed to connect to Redis")?;
    if dbsize(&mut redis).await? != 0 {
        bail!("this Redis holds keys already: give an empty one (its memory is measured)");
    }
    let settings = RedisSettings {
        target: RedisTarget::single(args.redis_url.clone()),
        budget: Duration::from_secs(1),
        ..RedisSettings::default()
    };
    let prefix = settings.key_prefix.clone();
    let cache = ProductCache::new(CacheSettings {
        redis: Some(settings),
        ..CacheSettings::default()
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while cache.redis_status() != Some("connected") {
        if Instant::now() > deadline {
            bail!("the cache's Redis tier did not connect within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let catalog = DemoCatalog::new();
    let step = (DemoCatalog::GENERATED_ITEMS.min(16_000_000) / args.generated.max(1)).max(1);
    let generated: Vec<Gtin> = (0..args.generated)
        .map(|n| DemoCatalog::generated_gtin(n * step).context("no such demo item"))
        .collect::<anyhow::Result<_>>()?;
    // The large ones past the 16 million, so no key is written twice.
    let large: Vec<Gtin> = (0..args.large)
        .map(|n| DemoCatalog::generated_gtin(16_000_000 + n).context("no such demo item"))
        .collect::<anyhow::Result<_>>()?;
    let curated = catalog.curated_gtins();

    println!(
        "kind,keys,value_mean,value_p50,value_p90,value_p99,value_max,memory_usage_mean,used_memory_per_key"
    );
    let before = used_memory(&mut redis).await?;
    store(&cache, &mut redis, &catalog, &generated, |p| p).await?;
    let after = used_memory(&mut redis).await?;
    let per_key = (after.saturating_sub(before)) as f64 / generated.len().max(1) as f64;
    report(&mut redis, &prefix, "generated", &generated, Some(per_key)).await?;
    store(&cache, &mut redis, &catalog, &curated, |p| p).await?;
    report(&mut redis, &prefix, "curated", &curated, None).await?;
    store(&cache, &mut redis, &catalog, &large, DemoProduct::enlarged).await?;
    report(&mut redis, &prefix, "large", &large, None).await?;
    eprintln!(
        "used_memory {before} -> {after} bytes over {} generated keys; writes dropped: {}",
        generated.len(),
        cache.stats().redis_writes_dropped
    );
    Ok(())
}

/// Writes the demo products of `gtins` (shaped by `shape`) through the cache, in
/// chunks, and waits until Redis holds them all.
async fn store(
    cache: &ProductCache,
    redis: &mut MultiplexedConnection,
    catalog: &DemoCatalog,
    gtins: &[Gtin],
    shape: fn(DemoProduct) -> DemoProduct,
) -> anyhow::Result<()> {
    let expected = dbsize(redis).await? + gtins.len() as u64;
    for chunk in gtins.chunks(CHUNK) {
        let products: Vec<DemoProduct> = chunk
            .iter()
            .filter_map(|g| catalog.get(g))
            .map(shape)
            .collect();
        let entries: Vec<(Gtin, Option<Arc<Product>>)> = parse(chunk, &products)?
            .into_iter()
            .map(|product| (product.gtin, Some(Arc::new(product))))
            .collect();
        let dropped = cache.stats().redis_writes_dropped;
        cache.put_many(&entries).await;
        if cache.stats().redis_writes_dropped != dropped {
            bail!("the cache dropped writes (Redis down or too many pending)");
        }
        // Let the pipeline land before the next: at most 64 may be pending.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while dbsize(redis).await? < expected {
        if Instant::now() > deadline {
            bail!("Redis holds fewer keys than written after 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The demo's wire answer for `asked` read by the gateway's upstream parser.
fn parse(asked: &[Gtin], products: &[DemoProduct]) -> anyhow::Result<Vec<Product>> {
    let body = serde_json::to_vec(&serde_json::json!({ "products": products }))?;
    read_contract_batch(asked, &body)
        .into_iter()
        .map(|result| match result {
            Ok(Some(product)) => Ok(product),
            Ok(None) => bail!("a demo item was not found"),
            Err(error) => bail!("the demo answer did not parse: {error}"),
        })
        .collect()
}

/// Prints one CSV line: the value sizes of `gtins`' keys and their mean `MEMORY USAGE`.
async fn report(
    redis: &mut MultiplexedConnection,
    prefix: &str,
    kind: &str,
    gtins: &[Gtin],
    per_key: Option<f64>,
) -> anyhow::Result<()> {
    let mut sizes: Vec<u64> = Vec::with_capacity(gtins.len());
    let mut usage: u64 = 0;
    for chunk in gtins.chunks(1000) {
        let mut strlen = redis::pipe();
        let mut memory = redis::pipe();
        for gtin in chunk {
            let key = format!("{prefix}{}", gtin.gtin14());
            strlen.cmd("STRLEN").arg(&key);
            memory
                .cmd("MEMORY")
                .arg("USAGE")
                .arg(&key)
                .arg("SAMPLES")
                .arg(0);
        }
        let lens: Vec<u64> = strlen.query_async(redis).await.context("STRLEN failed")?;
        let used: Vec<u64> = memory
            .query_async(redis)
            .await
            .context("MEMORY USAGE failed")?;
        sizes.extend(lens);
        usage += used.iter().sum::<u64>();
    }
    if sizes.contains(&0) {
        bail!("a {kind} key is missing from Redis");
    }
    sizes.sort_unstable();
    let n = sizes.len().max(1);
    let at = |q: f64| {
        sizes
            .get(((n as f64 * q) as usize).min(n - 1))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "{kind},{},{:.0},{},{},{},{},{:.0},{}",
        sizes.len(),
        sizes.iter().sum::<u64>() as f64 / n as f64,
        at(0.5),
        at(0.9),
        at(0.99),
        sizes.last().copied().unwrap_or(0),
        usage as f64 / n as f64,
        per_key.map_or(String::new(), |b| format!("{b:.0}")),
    );
    Ok(())
}

async fn dbsize(redis: &mut MultiplexedConnection) -> anyhow::Result<u64> {
    redis::cmd("DBSIZE")
        .query_async(redis)
        .await
        .context("DBSIZE failed")
}

/// `used_memory` from `INFO memory`.
async fn used_memory(redis: &mut MultiplexedConnection) -> anyhow::Result<u64> {
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(redis)
        .await
        .context("INFO memory failed")?;
    info.lines()
        .find_map(|line| line.strip_prefix("used_memory:"))
        .and_then(|value| value.trim().parse().ok())
        .context("no used_memory in INFO memory")
}
