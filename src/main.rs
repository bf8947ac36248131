//! The `acm-doctor` binary: a Lambda function when `AWS_LAMBDA_RUNTIME_API` is set,
//! otherwise a CLI ([`cli`]) running the same engine from a laptop.
#![forbid(unsafe_code)]
// The handler future (inventory + probe + publish) is deeply nested.
#![recursion_limit = "256"]

mod cli;

use acm_doctor::aws::load_sdk_config;
use acm_doctor::config::Config;
use acm_doctor::handler::{Engine, HandlerError};
use acm_doctor::inventory::sdk::SdkReader;
use acm_doctor::org::sdk::{AssumeRoleScanner, DynamoRuns, OrgDirectory, S3Reports, SqsShards};
use acm_doctor::org::{Org, Role};
use acm_doctor::probe::{NetProber, Timeouts};
use acm_doctor::publish::securityhub::SdkHub;
use acm_doctor::publish::sns::SnsPublisher;
use acm_doctor::publish::state::ConfiguredState;
use anyhow::Result;
use clap::Parser;
use std::sync::Arc;

type RealEngine =
    Engine<SdkReader, SnsPublisher, Arc<NetProber>, ConfiguredState, SdkHub, Option<S3Reports>>;
type RealOrg = Org<DynamoRuns, S3Reports, SqsShards, SnsPublisher, ConfiguredState>;

/// The function with every role it can be given: the one-account engine and, when
/// `RUN_TABLE`, `RUN_BUCKET` and `SHARD_QUEUE_URL` are set, the organization run's
/// coordinator and worker (sharing the engine's prober).
struct Runtime {
    engine: RealEngine,
    org: Option<OrgParts>,
}

struct OrgParts {
    org: RealOrg,
    directory: OrgDirectory,
    scanner: AssumeRoleScanner<NetProber>,
}

fn init_cli_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ACM_DOCTOR_LOG")
        .unwrap_or_else(|_| "warn".into());
    // Colours only on a terminal (and never with NO_COLOR): piped logs stay plain text.
    use std::io::IsTerminal;
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
}

/// The engine on the real AWS SDK, network prober and state store; `progress` ticks once
/// per probed host.
async fn engine(
    config: Config,
    profile: Option<&str>,
    progress: Option<indicatif::ProgressBar>,
) -> Result<RealEngine> {
    engine_at(config, profile, None, progress).await
}

/// [`engine`] with every AWS service at `endpoint_url` (the CLI's `--endpoint-url`).
async fn engine_at(
    config: Config,
    profile: Option<&str>,
    endpoint_url: Option<&str>,
    progress: Option<indicatif::ProgressBar>,
) -> Result<RealEngine> {
    let region = config.scan_regions.first().cloned();
    let sdk = load_sdk_config(profile, region.as_deref(), endpoint_url).await;
    let mut prober = NetProber::new(
        &config.dns_servers,
        config.probe_concurrency,
        Timeouts::default(),
    )?;
    if let Some(bar) = progress {
        prober.on_host_done = Some(std::sync::Arc::new(
            move |h: &acm_doctor::probe::HostFacts| {
                bar.inc(1);
                bar.set_message(format!("probed {}", h.hostname));
            },
        ));
    }
    Ok(Engine {
        reader: SdkReader::new(sdk.clone()),
        publisher: SnsPublisher::new(&sdk),
        prober: Arc::new(prober),
        state: ConfiguredState::new(&sdk, config.state_table.as_deref()),
        hub: SdkHub::new(&sdk),
        archive: config
            .run_bucket
            .as_deref()
            .map(|b| S3Reports::new(&sdk, b)),
        config,
    })
}

/// The engine and, when configured, the organization roles.
async fn runtime(config: Config) -> Result<Runtime> {
    let region = config.scan_regions.first().cloned();
    let sdk = load_sdk_config(None, region.as_deref(), None).await;
    let engine = engine(config.clone(), None, None).await?;
    let org = match (
        &config.run_table,
        &config.run_bucket,
        &config.shard_queue_url,
    ) {
        (Some(table), Some(bucket), Some(queue)) => Some(OrgParts {
            org: Org {
                store: DynamoRuns::new(&sdk, table),
                bucket: S3Reports::new(&sdk, bucket),
                queue: SqsShards::new(&sdk, queue),
                publisher: SnsPublisher::new(&sdk),
                state: ConfiguredState::new(&sdk, config.state_table.as_deref()),
                config: config.clone(),
            },
            directory: OrgDirectory::new(&sdk),
            scanner: AssumeRoleScanner {
                base: sdk.clone(),
                config,
                prober: engine.prober.clone(),
            },
        }),
        _ => None,
    };
    Ok(Runtime { engine, org })
}

/// One invocation's answer: the run summary, the coordinator's summary, or the
/// worker's partial batch response; and the EMF documents to print.
type Answer = Result<(serde_json::Value, Vec<serde_json::Value>), lambda_runtime::Diagnostic>;

impl Runtime {
    async fn handle(
        &self,
        event: &serde_json::Value,
        now: chrono::DateTime<chrono::Utc>,
        run_id: String,
        deadline: Option<std::time::Instant>,
    ) -> Answer {
        let org_mode = self.engine.config.org_accounts.is_some();
        let role = Role::of(event, org_mode);
        let parts =
            match role {
                Role::Account => None,
                _ => Some(self.org.as_ref().ok_or_else(|| {
                    lambda_runtime::Diagnostic {
                        error_type: "NonRetryable.NotConfigured".into(),
                        error_message:
                            "an organization event needs RUN_TABLE, RUN_BUCKET and SHARD_QUEUE_URL"
                                .into(),
                    }
                })?),
            };
        match (role, parts) {
            (Role::Worker, Some(p)) => {
                let batch: aws_lambda_events::event::sqs::SqsEvent =
                    serde_json::from_value(event.clone()).map_err(|e| {
                        lambda_runtime::Diagnostic {
                            error_type: "NonRetryable.MalformedEvent".into(),
                            error_message: format!("not an SQS event: {e}"),
                        }
                    })?;
                let worked = p.org.handle_batch(&p.scanner, &batch, now, deadline).await;
                Ok((
                    serde_json::to_value(&worked).unwrap_or_default(),
                    worked.metrics(),
                ))
            }
            (Role::Coordinator, Some(p)) => p
                .org
                .coordinate(&p.directory, now, &run_id)
                .await
                .map(|c| {
                    let metrics = c.published.as_ref().map(|p| p.metrics.clone());
                    (
                        serde_json::to_value(&c).unwrap_or_default(),
                        metrics.unwrap_or_default(),
                    )
                })
                .map_err(|e| lambda_runtime::Diagnostic {
                    error_type: e.error_type().into(),
                    error_message: e.to_string(),
                }),
            _ => match self
                .engine
                .handle_event_until(event, now, run_id, deadline)
                .await
            {
                Ok(outcome) => Ok((
                    serde_json::to_value(&outcome.summary).unwrap_or_default(),
                    outcome.metrics,
                )),
                Err(e) => Err(diagnostic(&e)),
            },
        }
    }
}

/// CloudWatch turns these stdout lines into metrics (embedded metric format).
fn print_metrics(metrics: &[serde_json::Value]) {
    for m in metrics {
        println!("{m}");
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // An error in words (its causes joined), exit 1 — never anyhow's Debug dump with a
    // backtrace, which RUST_BACKTRACE would add.
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

async fn run() -> Result<std::process::ExitCode> {
    // One crypto provider for the whole binary: the SDK already uses aws-lc-rs.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // A usage error exits 1 (2 means "findings at --fail-on", 3 "incomplete scan"); help
    // and version are not errors.
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return Ok(std::process::ExitCode::from(if e.use_stderr() {
                1
            } else {
                0
            }));
        }
    };
    let Some(command) = args.command else {
        if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
            lambda().await?;
        } else {
            use clap::CommandFactory;
            cli::Cli::command().print_help()?;
        }
        return Ok(std::process::ExitCode::SUCCESS);
    };
    init_cli_logging();
    let exit = cli::run(command).await?;
    Ok(std::process::ExitCode::from(exit.code()))
}

/// Serves Lambda invocations until the runtime stops us. A bad event fails only its own
/// invocation (with a non-retryable error type); the runtime goes on to the next.
async fn lambda() -> Result<()> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let runtime = Arc::new(runtime(config).await?);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let runtime = runtime.clone();
            async move {
                let run_id = event.context.request_id.clone();
                let deadline = invocation_deadline(event.context.deadline);
                let (answer, metrics) = runtime
                    .handle(&event.payload, chrono::Utc::now(), run_id, deadline)
                    .await?;
                print_metrics(&metrics);
                Ok::<_, lambda_runtime::Diagnostic>(answer)
            }
        },
    ))
    .await
    .map_err(|e| anyhow::anyhow!("lambda runtime stopped: {e}"))
}

/// The invocation's deadline (`Lambda-Runtime-Deadline-Ms`, milliseconds since the
/// epoch) as an `Instant`, or none when the runtime's value is not a time.
fn invocation_deadline(deadline_ms: u64) -> Option<std::time::Instant> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let left = acm_doctor::handler::time_left(deadline_ms, now_ms);
    match left {
        Some(l) => tracing::debug!(
            deadline_ms,
            left_ms = l.as_millis() as u64,
            "invocation deadline"
        ),
        None => tracing::warn!(
            deadline_ms,
            "the runtime's deadline is not a time (an emulator?): probing without one"
        ),
    }
    left.map(|l| std::time::Instant::now() + l)
}

fn diagnostic(e: &HandlerError) -> lambda_runtime::Diagnostic {
    lambda_runtime::Diagnostic {
        error_type: e.error_type().to_string(),
        error_message: e.to_string(),
    }
}
