//! The capacity model's cache figures (docs/capacity.md): what local-cache hit ratio
//! each `--cache-max-mb` gives, and how many keys and calls reach the upstream, under
//! Zipf-like popularity over the whole catalog, simulated with the gateway's real
//! [`ProductCache`] (quick_cache's S3-FIFO admission and eviction, the real weigher).
//!
//! ```sh
//! nice -n 10 cargo run --release --example cache_zipf -- --out target/capacity/zipf.csv
//! ```
//!
//! The fleet: `--replicas` gateways behind a round-robin balancer share
//! `--requests-per-s` baskets of `--basket` distinct items each, drawn by Zipf(`s`)
//! over `--items` items (rank 1 the most asked), and one Redis. Simulated time runs
//! at that rate: `--warmup-s` (at least one TTL, so entries of every age are held)
//! then `--measure-s` (one TTL), counted. Every basket updates the fleet's view (the time each
//! item was last fetched from the upstream, i.e. what Redis holds); the baskets of
//! replica 0 also go, one `get_many` and one `put_many` each as the loader does,
//! through one real `ProductCache` per `--mb` size (the other replicas see the same
//! kind of stream, so one replica stands for all).
//!
//! Why the clock is simulated beside the cache rather than inside it: the cache's
//! public API stamps entries with the wall clock, and a run lasts seconds, not the
//! minutes a TTL spans. So the caches get a TTL longer than the run (they never expire
//! anything themselves) and the simulation keeps, per cache, when the copy it holds
//! was fetched: a `Fresh` answer counts as a local hit only while that copy is younger
//! than `--ttl-s`, as the cache would judge it. A local miss is a Redis hit when the
//! fleet fetched the item within the TTL (the local tier then holds that copy, with
//! that fetch time), else an upstream key. Redis is assumed large enough to hold
//! every product fetched within its retention (docs/capacity.md sizes it).
//!
//! Beside the simulation, per `s`, the same fleet figures computed exactly from the
//! Zipf probabilities (an item asked at Poisson rate λ with a TTL T reaches the
//! upstream λ / (1 + λT) times a second; it sits in Redis when asked within its
//! retention W, with probability 1 − e^(−λW)): the simulated upstream rate must agree
//! with the computed one, which checks the simulation's clock.
//!
//! Products: 1,024 generated items of the demo catalog, read through the gateway's
//! own upstream parser (the weight of an entry is that of a real product); item `n`
//! is stored as product `n mod 1024` (shared, so a large cache costs the simulation
//! its weight in bookkeeping only, not in products).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use catalog_gateway::cache::{CacheSettings, Cached, ProductCache};
use catalog_gateway::catalog::{Product, read_contract_batch};
use catalog_gateway::demo::DemoCatalog;
use catalog_gateway::gtin::Gtin;
use clap::Parser;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Zipf};

/// Products in the pool the items are stored as.
const POOL: u32 = 1024;

/// Time unit of the simulation's fetch stamps: a tenth of a second (u16 holds 6,553 s).
const TICKS_PER_S: f64 = 10.0;

#[derive(Parser, Debug)]
#[command(
    about = "Local-cache hit ratio and upstream load under Zipf popularity, with the real ProductCache"
)]
struct Args {
    /// Items in the catalog (ranks 1..=items).
    #[arg(long, default_value_t = 16_000_000)]
    items: u32,
    /// Zipf exponents to run.
    #[arg(long, value_delimiter = ',', default_value = "0.8,0.9,1.0,1.1")]
    s: Vec<f64>,
    /// Local cache sizes (`--cache-max-mb`) to run side by side on the same stream.
    #[arg(long, value_delimiter = ',', default_value = "16,32,64,128,256,512")]
    mb: Vec<u64>,
    /// `--cache-capacity` of every cache; 0: no entry bound, bytes alone bound it.
    #[arg(long, default_value_t = 0)]
    capacity: u64,
    /// Replicas behind the round-robin balancer.
    #[arg(long, default_value_t = 3)]
    replicas: u64,
    /// Fleet-wide GraphQL requests per second at peak.
    #[arg(long, default_value_t = 2000.0)]
    requests_per_s: f64,
    /// Distinct items per request.
    #[arg(long, default_value_t = 30)]
    basket: usize,
    /// `--cache-ttl` in seconds.
    #[arg(long, default_value_t = 300.0)]
    ttl_s: f64,
    /// `--cache-max-stale` in seconds (Redis keeps a product ttl + max-stale).
    #[arg(long, default_value_t = 3600.0)]
    max_stale_s: f64,
    /// Simulated seconds before counting.
    #[arg(long, default_value_t = 300.0)]
    warmup_s: f64,
    /// Simulated seconds counted: one TTL, so that every item asked more than once a
    /// TTL is refetched once in the window (after the warm-up's fill, the hot items'
    /// refetches all fall due together; a shorter window would count them too often).
    #[arg(long, default_value_t = 300.0)]
    measure_s: f64,
    /// Most keys per upstream call (`--upstream-max-batch`).
    #[arg(long, default_value_t = 100)]
    max_batch: usize,
    /// Seed of the random stream (the same seed, the same baskets).
    #[arg(long, default_value_t = 25)]
    seed: u64,
    /// Where to write the CSV (stdout when absent).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// What one `s` gave at the fleet level (the same for every cache size).
#[derive(Default)]
struct Fleet {
    lookups: u64,
    upstream_keys: u64,
    upstream_calls: u64,
    baskets: u64,
}

/// One real cache, and when the copy it holds of each item was fetched.
struct Local {
    mb: u64,
    cache: ProductCache,
    /// Fetch time (ticks + 1; 0: never) of the copy this cache was last given.
    fetched: Vec<u16>,
    lookups: u64,
    hits: u64,
    redis_hits: u64,
    upstream: u64,
    /// Requests that sent Redis an `MGET` (one local miss or more).
    mgets: u64,
    baskets: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.items == 0 || args.basket == 0 || args.replicas == 0 || args.mb.is_empty() {
        bail!("--items, --basket, --replicas and --mb must be more than 0");
    }
    let duration = args.warmup_s + args.measure_s;
    let too_long = duration.is_nan() || duration * TICKS_PER_S >= f64::from(u16::MAX - 1);
    if too_long || args.requests_per_s.is_nan() || args.requests_per_s <= 0.0 {
        bail!("--warmup-s + --measure-s must be under 6,553 s and --requests-per-s above 0");
    }
    let pool = product_pool()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("failed to start a tokio runtime")?;

    let mut csv = String::from(
        "s,items,cache_mb,capacity,entries,weighed_mb,bytes_per_entry,local_hit_ratio,\
         redis_hit_ratio_of_local_misses,mget_per_s_fleet,redis_keys_per_s_fleet,\
         upstream_keys_per_s,upstream_keys_per_s_exact,upstream_calls_per_s,\
         redis_products_exact,fleet_lookups_per_s,replicas,requests_per_s,basket,ttl_s,sim_cpu_s\n",
    );
    for &s in &args.s {
        let started = Instant::now();
        let exact = exact_fleet(&args, s);
        let (fleet, locals) = runtime.block_on(simulate(&args, s, &pool))?;
        let cpu_s = started.elapsed().as_secs_f64();
        let per_s = |n: u64| n as f64 / args.measure_s;
        for local in &locals {
            let stats = local.cache.stats();
            let misses = local.lookups - local.hits;
            let fleet_factor = args.replicas as f64;
            writeln!(
                csv,
                "{s},{},{},{},{},{:.1},{:.0},{:.4},{:.4},{:.0},{:.0},{:.0},{:.0},{:.0},{:.0},{:.0},{},{},{},{},{:.1}",
                args.items,
                local.mb,
                args.capacity,
                stats.entries,
                stats.bytes as f64 / 1_048_576.0,
                stats.bytes as f64 / stats.entries.max(1) as f64,
                local.hits as f64 / local.lookups.max(1) as f64,
                local.redis_hits as f64 / misses.max(1) as f64,
                per_s(local.mgets) * fleet_factor,
                per_s(misses) * fleet_factor,
                per_s(fleet.upstream_keys),
                exact.upstream_keys_per_s,
                per_s(fleet.upstream_calls),
                exact.redis_products,
                per_s(fleet.lookups),
                args.replicas,
                args.requests_per_s,
                args.basket,
                args.ttl_s,
                cpu_s,
            )?;
            debug_assert_eq!(local.baskets * args.basket as u64, local.lookups);
            debug_assert_eq!(local.redis_hits + local.upstream, misses);
        }
        eprintln!(
            "s={s}: {:.0} upstream keys/s simulated, {:.0} computed; {:.0} upstream calls/s; \
             {:.0} products in Redis; local hit ratio {} ({cpu_s:.1} s)",
            per_s(fleet.upstream_keys),
            exact.upstream_keys_per_s,
            per_s(fleet.upstream_calls),
            exact.redis_products,
            locals
                .iter()
                .map(|l| format!("{} MB {:.3}", l.mb, l.hits as f64 / l.lookups.max(1) as f64))
                .collect::<Vec<_>>()
                .join(", "),
        );
        debug_assert!(fleet.baskets > 0);
    }
    match &args.out {
        Some(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("failed to create {}", dir.display()))?;
            }
            std::fs::write(path, csv)
                .with_context(|| format!("failed to write {}", path.display()))?
        }
        None => std::io::stdout()
            .write_all(csv.as_bytes())
            .context("failed to write the CSV")?,
    }
    Ok(())
}

/// Runs the fleet for one exponent `s`: every basket through the fleet's view,
/// replica 0's also through one real cache per size.
async fn simulate(
    args: &Args,
    s: f64,
    pool: &[Arc<Product>],
) -> anyhow::Result<(Fleet, Vec<Local>)> {
    let zipf = Zipf::new(f64::from(args.items), s).context("bad Zipf parameters")?;
    let mut rng = StdRng::seed_from_u64(args.seed);
    let items = args.items as usize;
    let mut locals: Vec<Local> = args
        .mb
        .iter()
        .map(|&mb| Local {
            mb,
            cache: ProductCache::new(CacheSettings {
                max_bytes: mb * 1_048_576,
                capacity: if args.capacity == 0 {
                    u64::MAX
                } else {
                    args.capacity
                },
                // Longer than the run: the simulation's clock decides freshness.
                ttl: Duration::from_secs(86_400),
                max_stale: Duration::ZERO,
                ..CacheSettings::default()
            }),
            fetched: vec![0; items],
            lookups: 0,
            hits: 0,
            redis_hits: 0,
            upstream: 0,
            mgets: 0,
            baskets: 0,
        })
        .collect();
    // When the fleet last fetched each item from the upstream (ticks + 1; 0: never).
    let mut fleet_fetched: Vec<u16> = vec![0; items];
    let mut fleet = Fleet::default();

    let ttl_ticks = (args.ttl_s * TICKS_PER_S).round() as u32;
    let total = ((args.warmup_s + args.measure_s) * args.requests_per_s) as u64;
    let counted_from = (args.warmup_s * args.requests_per_s) as u64;
    let mut ranks: Vec<u32> = Vec::with_capacity(args.basket);
    let mut fleet_fresh: Vec<bool> = Vec::with_capacity(args.basket);
    let mut keys: Vec<Gtin> = Vec::with_capacity(args.basket);
    let mut puts: Vec<(Gtin, Option<Arc<Product>>)> = Vec::with_capacity(args.basket);
    for request in 0..total {
        // Stamps are ticks + 1, so 0 stays "never".
        let now = (request as f64 / args.requests_per_s * TICKS_PER_S) as u32 + 1;
        let counted = request >= counted_from;
        draw_basket(&zipf, &mut rng, args.basket.min(items), &mut ranks);
        fleet_fresh.clear();
        fleet_fresh.extend(
            ranks
                .iter()
                .map(|&r| is_fresh(fleet_fetched[r as usize], now, ttl_ticks)),
        );

        if request % args.replicas == 0 {
            keys.clear();
            for &rank in &ranks {
                keys.push(DemoCatalog::generated_gtin(rank).context("rank past the demo catalog")?);
            }
            for local in &mut locals {
                let answers = local.cache.get_many(&keys).await;
                puts.clear();
                for (i, answer) in answers.iter().enumerate() {
                    let rank = ranks[i] as usize;
                    let hit = matches!(answer, Cached::Fresh(_))
                        && is_fresh(local.fetched[rank], now, ttl_ticks);
                    if hit {
                        local.hits += u64::from(counted);
                        continue;
                    }
                    // From Redis (the fleet's copy and its fetch time) or from the upstream now.
                    if fleet_fresh[i] {
                        local.fetched[rank] = fleet_fetched[rank];
                        local.redis_hits += u64::from(counted);
                    } else {
                        local.fetched[rank] = now as u16;
                        local.upstream += u64::from(counted);
                    }
                    let product = Arc::clone(&pool[rank % pool.len()]);
                    puts.push((keys[i], Some(product)));
                }
                if counted {
                    local.lookups += ranks.len() as u64;
                    local.baskets += 1;
                    local.mgets += u64::from(!puts.is_empty());
                }
                local.cache.put_many(&puts).await;
            }
        }

        let mut to_upstream = 0usize;
        for (&rank, &fresh) in ranks.iter().zip(&fleet_fresh) {
            if !fresh {
                fleet_fetched[rank as usize] = now as u16;
                to_upstream += 1;
            }
        }
        if counted {
            fleet.baskets += 1;
            fleet.lookups += ranks.len() as u64;
            fleet.upstream_keys += to_upstream as u64;
            // The loader sends a request's upstream keys in calls of at most max_batch;
            // merging across concurrent requests only lowers this (an upper bound).
            fleet.upstream_calls += to_upstream.div_ceil(args.max_batch.max(1)) as u64;
        }
    }
    Ok((fleet, locals))
}

/// Whether a copy stamped `stamp` (ticks + 1; 0: none) is younger than the TTL at `now`.
fn is_fresh(stamp: u16, now: u32, ttl_ticks: u32) -> bool {
    stamp != 0 && now - u32::from(stamp) < ttl_ticks
}

/// Fills `ranks` with `n` distinct item numbers (rank − 1) drawn by Zipf: a basket
/// lists an item once (the loader dedupes repeats anyway).
fn draw_basket(zipf: &Zipf<f64>, rng: &mut StdRng, n: usize, ranks: &mut Vec<u32>) {
    ranks.clear();
    while ranks.len() < n {
        // Zipf draws 1..=items as a float; rank r is demo item r − 1.
        let item = zipf.sample(rng) as u32 - 1;
        if !ranks.contains(&item) {
            ranks.push(item);
        }
    }
}

/// The fleet figures computed from the Zipf probabilities.
struct Exact {
    upstream_keys_per_s: f64,
    redis_products: f64,
}

/// Upstream keys/s and products held in Redis, summed over every item: item i is
/// asked at λᵢ = Λ·pᵢ; with TTL T it reaches the upstream λᵢ / (1 + λᵢT) times a
/// second (a fetch, then T seconds of hits, renewed by the next request); it is in
/// Redis when asked within the retention W = ttl + max-stale: 1 − e^(−λᵢW).
fn exact_fleet(args: &Args, s: f64) -> Exact {
    let lookups_per_s = args.requests_per_s * args.basket as f64;
    let harmonic: f64 = (1..=args.items).map(|i| f64::from(i).powf(-s)).sum();
    let retention = args.ttl_s + args.max_stale_s;
    let mut exact = Exact {
        upstream_keys_per_s: 0.0,
        redis_products: 0.0,
    };
    for i in 1..=args.items {
        let rate = lookups_per_s * f64::from(i).powf(-s) / harmonic;
        exact.upstream_keys_per_s += rate / (1.0 + rate * args.ttl_s);
        exact.redis_products += -(-rate * retention).exp_m1();
    }
    exact
}

/// Generated demo products as the gateway holds them: the demo catalog's wire JSON
/// read by the gateway's own upstream parser.
fn product_pool() -> anyhow::Result<Vec<Arc<Product>>> {
    let catalog = DemoCatalog::new();
    let gtins: Vec<Gtin> = (0..POOL)
        .map(|n| DemoCatalog::generated_gtin(n * 15_551).context("no such demo item"))
        .collect::<anyhow::Result<_>>()?;
    let products: Vec<_> = gtins.iter().filter_map(|g| catalog.get(g)).collect();
    let body = serde_json::to_vec(&serde_json::json!({ "products": products }))?;
    read_contract_batch(&gtins, &body)
        .into_iter()
        .map(|result| match result {
            Ok(Some(product)) => Ok(Arc::new(product)),
            Ok(None) => bail!("a demo item was not found"),
            Err(error) => bail!("the demo answer did not parse: {error}"),
        })
        .collect()
}
