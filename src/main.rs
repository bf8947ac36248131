//! The `acm-doctor` binary: a Lambda function when `AWS_LAMBDA_RUNTIME_API` is set,
//! otherwise a CLI running the same engine from a laptop.
#![forbid(unsafe_code)]
// The handler future (inventory + probe + publish) is deeply nested.
#![recursion_limit = "256"]

use acm_doctor::config::Config;
use acm_doctor::handler::{Engine, HandlerError};
use acm_doctor::inventory::sdk::{SdkReader, load_sdk_config};
use acm_doctor::probe::{NetProber, Timeouts};
use acm_doctor::publish::SnsPublisher;
use acm_doctor::publish::securityhub::SdkHub;
use acm_doctor::publish::state::ConfiguredState;
use acm_doctor::trigger::Trigger;
use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "acm-doctor",
    version,
    about = "Finds out, before a browser does, why an HTTPS site on AWS would show \"your connection is not private\".",
    long_about = "Inventories ACM certificates and the load balancers and CloudFront distributions that use them, checks them for the eight causes of browser certificate errors, and reports findings with a concrete fix.\n\nRun with AWS_LAMBDA_RUNTIME_API set, it serves Lambda invocations; otherwise it is this CLI. Configuration comes from the same environment variables as the Lambda (SCAN_REGIONS, EXPIRY_WARNING_DAYS, FINDINGS_TOPIC_ARN, MIN_SEVERITY, PINNED_SPKI_SHA256, …; see the README)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Lambda handler once on an EventBridge event from a file and print the report.
    Invoke {
        /// JSON file holding the event (see events/ for samples); `-` reads standard input.
        #[arg(long)]
        event: PathBuf,
        /// Print the handler's response (the run summary) instead of the report.
        #[arg(long, conflicts_with = "digest")]
        summary: bool,
        /// Print the report as its email digest (what SNS email subscribers read) instead
        /// of JSON.
        #[arg(long)]
        digest: bool,
    },
    /// Scan the account now (the default AWS credential chain) and print the report.
    Scan {
        /// Region to scan; repeat for several (default: SCAN_REGIONS or your profile's region).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Named profile from ~/.aws/config.
        #[arg(long)]
        profile: Option<String>,
        /// Output format: `table` (colored, the default on a terminal), `text` (the email
        /// digest, the default when piped), `json` (the report), `markdown`, or `asff`
        /// (Security Hub findings, ready for `aws securityhub batch-import-findings`).
        #[arg(long, value_parser = ["table", "text", "json", "markdown", "asff"])]
        format: Option<String>,
        /// Exit with status 2 when any finding is at or above this severity.
        #[arg(long, value_parser = ["critical", "high", "medium", "low", "info"])]
        fail_on: Option<String>,
        /// Language of the findings and the digest: `en` or `ja` (default: REPORT_LANGUAGE,
        /// else English).
        #[arg(long, value_enum)]
        lang: Option<acm_doctor::i18n::Lang>,
        /// Publish to FINDINGS_TOPIC_ARN as the Lambda would (off by default for the CLI).
        #[arg(long)]
        publish: bool,
    },
    /// Print the catalog of every check (what it detects, what the visitor sees, the fix) as Markdown.
    Catalog {
        /// Language of the catalog: `en` or `ja`.
        #[arg(long, value_enum, default_value = "en")]
        lang: acm_doctor::i18n::Lang,
    },
    /// Diagnose one HTTPS endpoint as a browser would, without AWS: DNS, certificate chain,
    /// HTTP→HTTPS redirect, mixed content.
    Probe {
        /// Hostname to check (what a visitor types), e.g. shop.example.com.
        host: String,
        /// Connect HOST to IP without asking DNS, like curl's --resolve (repeatable).
        #[arg(long = "resolve", value_name = "HOST:IP")]
        resolve: Vec<String>,
        /// Print the facts and findings as JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Exit with status 2 when a finding is at or above this severity.
        #[arg(long, default_value = "medium", value_parser = ["critical", "high", "medium", "low", "info"])]
        fail_on: String,
        /// PEM file of private roots your clients trust (same as EXTRA_TRUSTED_CA_PEM).
        #[arg(long)]
        ca_file: Option<PathBuf>,
        /// Language of the findings: `en` or `ja` (default: REPORT_LANGUAGE, else English).
        #[arg(long, value_enum)]
        lang: Option<acm_doctor::i18n::Lang>,
    },
}

fn init_cli_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ACM_DOCTOR_LOG")
        .unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn engine(
    config: Config,
    profile: Option<&str>,
) -> Result<Engine<SdkReader, SnsPublisher, NetProber, ConfiguredState, SdkHub>> {
    engine_with_progress(config, profile, None).await
}

async fn engine_with_progress(
    config: Config,
    profile: Option<&str>,
    progress: Option<indicatif::ProgressBar>,
) -> Result<Engine<SdkReader, SnsPublisher, NetProber, ConfiguredState, SdkHub>> {
    let region = config.scan_regions.first().cloned();
    let sdk = load_sdk_config(profile, region.as_deref()).await;
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
        prober,
        state: ConfiguredState::new(&sdk, config.state_table.as_deref()),
        hub: SdkHub::new(&sdk),
        config,
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    // One crypto provider for the whole binary: the SDK already uses aws-lc-rs.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    if cli.command.is_none() && std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return lambda().await;
    }
    init_cli_logging();
    match cli.command {
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(())
        }
        Some(Command::Invoke {
            event,
            summary,
            digest,
        }) => {
            let text = if event.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&event)
                    .with_context(|| format!("reading {}", event.display()))?
            };
            let value: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", event.display()))?;
            let config = Config::from_env()?;
            let engine = engine(config, None).await?;
            let outcome = engine
                .handle_event(&value, chrono::Utc::now(), uuid::Uuid::new_v4().to_string())
                .await
                .map_err(|e| anyhow::anyhow!("{} ({})", e, e.error_type()))?;
            match (&outcome.report, summary) {
                (Some(r), false) if digest => print!("{}", r.email_digest()),
                (Some(r), false) => println!("{}", serde_json::to_string_pretty(r)?),
                _ => println!("{}", serde_json::to_string_pretty(&outcome.summary)?),
            }
            Ok(())
        }
        Some(Command::Scan {
            regions,
            profile,
            format,
            fail_on,
            lang,
            publish,
        }) => {
            let mut config = Config::from_env()?;
            if !regions.is_empty() {
                config.scan_regions = regions;
            }
            if let Some(lang) = lang {
                config.report_language = lang;
            }
            if !publish {
                config.findings_topic_arn = None;
            }
            use std::io::IsTerminal;
            // A spinner on stderr while the scan runs, only when a person is watching.
            let bar = std::io::stderr().is_terminal().then(|| {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} {elapsed} scanning: {pos} host(s) probed, {msg}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                bar.set_message("reading the inventory");
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                bar
            });
            let engine = engine_with_progress(config, profile.as_deref(), bar.clone()).await?;
            let outcome = engine
                .run(
                    Trigger::manual(),
                    chrono::Utc::now(),
                    uuid::Uuid::new_v4().to_string(),
                )
                .await;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let report = outcome?.report.expect("a manual scan always reports");
            let tty = std::io::stdout().is_terminal();
            let format = format.unwrap_or_else(|| if tty { "table".into() } else { "text".into() });
            match format.as_str() {
                "table" => print!("{}", acm_doctor::report::text::findings_table(&report, tty)),
                "json" => println!("{}", serde_json::to_string_pretty(&report)?),
                "markdown" => print!("{}", report.markdown()),
                "asff" => {
                    let region = engine
                        .config
                        .scan_regions
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "us-east-1".into());
                    let asff: Vec<serde_json::Value> =
                        acm_doctor::report::asff::findings(&report, &region, chrono::Utc::now())
                            .iter()
                            .map(|f| f.to_json())
                            .collect();
                    println!("{}", serde_json::to_string_pretty(&asff)?);
                }
                _ => print!("{}", report.email_digest()),
            }
            if let Some(min) = fail_on {
                let min: acm_doctor::checks::Severity = min.parse().map_err(anyhow::Error::msg)?;
                if report.findings.iter().any(|f| f.severity >= min) {
                    std::process::exit(2);
                }
            }
            Ok(())
        }
        Some(Command::Catalog { lang }) => {
            print!("{}", acm_doctor::checks::catalog::markdown(lang));
            Ok(())
        }
        Some(Command::Probe {
            host,
            resolve,
            json,
            fail_on,
            ca_file,
            lang,
        }) => {
            let mut config = Config::from_env()?;
            if let Some(lang) = lang {
                config.report_language = lang;
            }
            if let Some(f) = ca_file {
                config.extra_trusted_ca_pem = Some(
                    std::fs::read_to_string(&f)
                        .with_context(|| format!("reading {}", f.display()))?,
                );
            }
            let host = acm_doctor::hostname::to_ascii(&host)
                .with_context(|| format!("{host:?} is not a hostname"))?;
            let mut prober = NetProber::new(&config.dns_servers, 1, Timeouts::default())?;
            for r in resolve {
                let (h, ip) = r
                    .rsplit_once(':')
                    .with_context(|| format!("--resolve {r:?}: expected HOST:IP"))?;
                prober.resolve_override(
                    h,
                    ip.parse()
                        .with_context(|| format!("--resolve {r:?}: {ip:?} is not an IP address"))?,
                );
            }
            let (hosts, findings, warnings) = acm_doctor::handler::diagnose_hosts(
                &prober,
                &config,
                vec![host],
                chrono::Utc::now(),
            )
            .await;
            for w in warnings {
                eprintln!("warning: {w}");
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"hosts": hosts, "findings": findings})
                    )?
                );
            } else {
                print!(
                    "{}",
                    acm_doctor::report::text::probe_text(&hosts, &findings, config.report_language)
                );
            }
            let min: acm_doctor::checks::Severity = fail_on.parse().map_err(anyhow::Error::msg)?;
            if findings.iter().any(|f| f.severity >= min) {
                std::process::exit(2);
            }
            Ok(())
        }
    }
}

/// Serves Lambda invocations until the runtime stops us. A bad event fails only its own
/// invocation (with a non-retryable error type); the runtime goes on to the next.
async fn lambda() -> Result<()> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let engine = std::sync::Arc::new(engine(config, None).await?);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let engine = engine.clone();
            async move {
                let run_id = event.context.request_id.clone();
                match engine
                    .handle_event(&event.payload, chrono::Utc::now(), run_id)
                    .await
                {
                    Ok(outcome) => Ok(serde_json::to_value(&outcome.summary).unwrap_or_default()),
                    Err(e) => Err(diagnostic(&e)),
                }
            }
        },
    ))
    .await
    .map_err(|e| anyhow::anyhow!("lambda runtime stopped: {e}"))
}

fn diagnostic(e: &HandlerError) -> lambda_runtime::Diagnostic {
    lambda_runtime::Diagnostic {
        error_type: e.error_type().to_string(),
        error_message: e.to_string(),
    }
}
