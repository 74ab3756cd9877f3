//! The `catalog-gateway` binary: reads settings, starts logging, builds and serves.
//! Wiring only; everything else is in the library.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use catalog_gateway::app::Application;
use catalog_gateway::config::{
    Cli, Command, DemoCatalogConfig, GtinConfig, ServeArgs, Settings, UpstreamAction,
    UpstreamCheckConfig,
};
use catalog_gateway::demo;
use catalog_gateway::gtin_cli;
use catalog_gateway::telemetry::{self, LogFormat};

/// The global allocator. glibc's malloc spent a third of the gateway's CPU under
/// load (many short-lived allocations freed on other threads: `malloc_consolidate`,
/// `unlink_chunk`); see bench/JOURNAL.md, "CPU per request".
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::Gtin(config)) => return run_gtin(&config),
        Some(Command::Serve(args)) => serve(settings(&args)),
        Some(Command::DemoCatalog(config)) => serve_demo_catalog(config),
        Some(Command::Healthcheck(config)) => {
            return ExitCode::from(catalog_gateway::healthcheck::run(&config));
        }
        Some(Command::Upstream(command)) => match command.action {
            UpstreamAction::Check(config) => return upstream_check(config),
        },
        Some(Command::Schema) => {
            print!("{}", catalog_gateway::graphql::sdl());
            Ok(())
        }
        None => serve(settings(&cli.serve)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("catalog-gateway: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The typed settings of the flags; a contradiction exits like a bad flag (status 2).
fn settings(args: &ServeArgs) -> Settings {
    args.settings()
        .unwrap_or_else(|error| error.into_clap_error().exit())
}

fn run_gtin(config: &GtinConfig) -> ExitCode {
    let region = config.rcn_region;
    let stdout = io::stdout().lock();
    let summary = if config.codes.is_empty() {
        gtin_cli::describe_lines(io::stdin().lock(), region, stdout)
    } else {
        gtin_cli::describe_codes(&config.codes, region, stdout)
    };
    match summary {
        Ok(summary) => ExitCode::from(summary.exit_code()),
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("catalog-gateway gtin: {error}");
            ExitCode::from(2)
        }
    }
}

fn upstream_check(config: UpstreamCheckConfig) -> ExitCode {
    let settings = match config.upstream.settings(&|name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(error) => error.into_clap_error().exit(),
    };
    let outcome = runtime().and_then(|runtime| {
        runtime.block_on(async {
            let mut stdout = io::stdout().lock();
            catalog_gateway::upstream_cli::check(settings, &config.codes, &mut stdout)
                .await
                .context("upstream check")
        })
    });
    match outcome {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            eprintln!("catalog-gateway: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn init_telemetry(
    format: Option<LogFormat>,
    otlp_endpoint: Option<&reqwest::Url>,
) -> anyhow::Result<telemetry::TelemetryGuard> {
    let format = format.unwrap_or(if io::stdout().is_terminal() {
        LogFormat::Pretty
    } else {
        LogFormat::Json
    });
    telemetry::install(format, "info", otlp_endpoint.map(reqwest::Url::as_str))
        .context("failed to start telemetry")
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    // Before the runtime: the OTLP exporter owns a blocking client and its own thread.
    let _telemetry = init_telemetry(
        settings.telemetry.log_format,
        settings.telemetry.otlp_endpoint.as_ref(),
    )?;
    let ready_file = settings.server.ready_file.clone();
    logged(runtime().and_then(|runtime| {
        runtime.block_on(async {
            let app = Application::build(settings)
                .await
                .context("failed to start the gateway")?;
            let address = app
                .local_addr()
                .context("failed to read the bound address")?;
            tracing::info!(
                %address,
                upstream = %app.upstream(),
                source = app.upstream_source(),
                demo = app.serves_embedded_demo(),
                scan = %catalog_gateway::http::scan_url(address),
                "catalog-gateway listening"
            );
            if let Some(path) = &ready_file {
                catalog_gateway::ready_file::write(path, address).with_context(|| {
                    format!("failed to write the ready file {}", path.display())
                })?;
            }
            app.run_until_stopped(shutdown_signal())
                .await
                .context("failed while serving")
        })
    }))
}

fn serve_demo_catalog(config: DemoCatalogConfig) -> anyhow::Result<()> {
    let _telemetry = init_telemetry(None, None)?;
    logged(runtime().and_then(|runtime| {
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("failed to bind {}", config.listen))?;
            let settings = config.demo_settings();
            match config.dialect_settings() {
                Some(dialect) => {
                    tracing::info!(
                        address = %config.listen,
                        dialect = %dialect.dialect,
                        bearer_token = dialect.bearer_token.is_some(),
                        oauth_client = dialect.oauth.is_some(),
                        page_cap = ?dialect.page_cap,
                        "demo catalog listening"
                    );
                    demo::serve_dialect(listener, settings, dialect, shutdown_signal())
                        .await
                        .context("failed while serving the demo catalog")
                }
                None => {
                    tracing::info!(address = %config.listen, "demo catalog listening");
                    demo::serve(listener, settings, shutdown_signal())
                        .await
                        .context("failed while serving the demo catalog")
                }
            }
        })
    }))
}

/// Logs why serving stopped, if it failed, while the log writer still runs (it
/// stops with the telemetry guard, which `serve` holds).
fn logged(outcome: anyhow::Result<()>) -> anyhow::Result<()> {
    if let Err(error) = &outcome {
        tracing::error!(error = format!("{error:#}"), "catalog-gateway stopped");
    }
    outcome
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received: shutting down"),
        () = terminate => tracing::info!("SIGTERM received: shutting down"),
    }
}
