//! The command line: one declared table of subcommands and flags (clap derive), one
//! function per subcommand, and one exit-code path ([`Exit`]).

use acm_doctor::config::Config;
use acm_doctor::finding::{Finding, Severity};
use acm_doctor::i18n::Lang;
use acm_doctor::probe::{NetProber, Timeouts};
use acm_doctor::report::Report;
use acm_doctor::trigger::Trigger;
use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "acm-doctor",
    version,
    about = "Finds out, before a browser does, why an HTTPS site on AWS would show \"your connection is not private\".",
    long_about = "Inventories ACM certificates and the load balancers and CloudFront distributions that use them, checks them for the eight causes of browser certificate errors, and reports findings with a concrete fix.\n\nRun with AWS_LAMBDA_RUNTIME_API set, it serves Lambda invocations; otherwise it is this CLI. Configuration comes from the same environment variables as the Lambda (SCAN_REGIONS, EXPIRY_WARNING_DAYS, FINDINGS_TOPIC_ARN, MIN_SEVERITY, PINNED_SPKI_SHA256, …; see the README)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How `scan` and `probe` print what they found (one set for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Colored table (`scan`'s default on a terminal).
    Table,
    /// The email digest (`scan`'s default when piped); `probe`'s facts and findings.
    Text,
    /// `acm-doctor.report.v1` (`scan`) or `acm-doctor.probe.v1` (`probe`) JSON.
    Json,
    /// A Markdown table for tickets and pull requests.
    Markdown,
    /// Security Hub findings, ready for `aws securityhub batch-import-findings`.
    Asff,
    /// SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`).
    Sarif,
    /// JUnit XML: a test suite per check, a failure per finding.
    Junit,
    /// One row per finding, with a header.
    Csv,
    /// One self-contained HTML page: expiry timeline, hostname × check grid, fixes.
    Html,
}

/// The JSON outputs that have a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaName {
    Report,
    Probe,
}

/// The flags that narrow what `scan` and `probe` report.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Narrow {
    /// Report only findings at or above this severity.
    #[arg(long, value_enum)]
    severity: Option<Severity>,
    /// Report only these checks (comma-separated or repeated; `acm-doctor catalog` lists them).
    #[arg(long, value_name = "CHECK[,CHECK]")]
    checks: Vec<String>,
    /// Leave these checks out (comma-separated or repeated).
    #[arg(long, value_name = "CHECK[,CHECK]")]
    exclude_checks: Vec<String>,
    /// The mute list (YAML; overrides MUTE_FILE): entries with a reason and an `until`.
    #[arg(long, value_name = "PATH")]
    mute_file: Option<PathBuf>,
    /// Write the output to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    output_file: Option<PathBuf>,
}

impl Narrow {
    fn filter(&self) -> Result<acm_doctor::report::filter::Filter> {
        Ok(acm_doctor::report::filter::Filter::new(
            self.severity,
            &self.checks,
            &self.exclude_checks,
        )?)
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the Lambda handler once on an event from a file and print the report: an
    /// EventBridge event, or (organization mode) an SQS batch from the shard queue, whose
    /// answer (`batchItemFailures`) is printed instead.
    #[command(
        after_help = "Examples:\n  acm-doctor invoke --event events/scheduled.json --digest\n  acm-doctor invoke --event events/acm-expiring.json --summary --emf\n  ORG_ACCOUNTS=111111111111,222222222222 SHARD_QUEUE_URL=... RUN_TABLE=runs RUN_BUCKET=runs \\\n    acm-doctor invoke --event events/scheduled.json   # an organization run's coordinator"
    )]
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
        /// Also print the run's CloudWatch embedded-metric-format documents, one JSON per
        /// line, after the output (what the Lambda prints to its log).
        #[arg(long)]
        emf: bool,
    },
    /// Scan the account now (the default AWS credential chain) and print the report.
    #[command(
        after_help = "Examples:\n  acm-doctor scan                                   # the profile's region, a table on a terminal\n  acm-doctor scan --region us-east-1 --region eu-west-1 --output json > report.json\n  acm-doctor scan --format sarif --output-file acm-doctor.sarif   # for GitHub code scanning\n  acm-doctor scan --format html --output-file report.html --severity medium --exclude-checks certificate_unused\n  acm-doctor scan --mute-file mutes.yaml            # accepted risks, each with a reason and an until date\n  acm-doctor scan --profile prod --fail-on high     # exit 2 when something is high or critical\n  acm-doctor scan --endpoint-url http://127.0.0.1:5000   # an emulator (moto)\n\nExit status: 0 clean, 2 a finding at --fail-on, 3 part of the account could not be read, 1 an error."
    )]
    Scan {
        /// Region to scan; repeat for several (default: SCAN_REGIONS or your profile's region).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Named profile from ~/.aws/config (one that does not exist is an error).
        #[arg(long)]
        profile: Option<String>,
        /// Send every AWS call to this URL instead (an emulator), as the aws CLI's flag.
        #[arg(long, value_name = "URL")]
        endpoint_url: Option<String>,
        /// Output format (default: `table` on a terminal, `text` when piped); `--output`
        /// as the aws CLI spells it.
        #[arg(long, value_enum, visible_alias = "output")]
        format: Option<OutputFormat>,
        #[command(flatten)]
        narrow: Narrow,
        /// Exit with status 2 when any finding is at or above this severity.
        #[arg(long, value_enum)]
        fail_on: Option<Severity>,
        /// Language of the findings and the digest (default: REPORT_LANGUAGE, else English).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        /// Publish to FINDINGS_TOPIC_ARN as the Lambda would (off by default for the CLI).
        #[arg(long)]
        publish: bool,
    },
    /// Print the JSON Schema of a JSON output: `report` (acm-doctor.report.v1, `scan
    /// --format json`, the SNS message) or `probe` (acm-doctor.probe.v1).
    #[command(
        after_help = "Examples:\n  acm-doctor schema report > report.v1.json\n  acm-doctor schema probe"
    )]
    Schema {
        #[arg(value_enum, default_value = "report")]
        which: SchemaName,
    },
    /// Print the catalog of every check (what it detects, what the visitor sees, the fix) as Markdown.
    #[command(
        after_help = "Examples:\n  acm-doctor catalog > findings.md\n  acm-doctor catalog --lang ja"
    )]
    Catalog {
        /// Language of the catalog.
        #[arg(long, value_enum, default_value = "en")]
        lang: Lang,
    },
    /// Diagnose one HTTPS endpoint as a browser would, without AWS: DNS, certificate chain,
    /// HTTP→HTTPS redirect, mixed content.
    #[command(
        after_help = "Examples:\n  acm-doctor probe shop.example.com\n  acm-doctor probe shop.example.com --resolve shop.example.com:443:203.0.113.10   # before DNS points there (curl's form)\n  acm-doctor probe api.example.com:8443 --format sarif --output-file probe.sarif\n  acm-doctor probe intranet.corp.example --ca-file corp-root.pem --json\n  acm-doctor probe '[2001:db8::10]:443'\n\nExit status: 0 clean, 2 a finding at --fail-on (medium), 3 the host could not be probed, 1 an error."
    )]
    Probe {
        /// Hostname to check (what a visitor types), e.g. shop.example.com, with an
        /// optional :PORT (default 443); an IPv6 address in brackets: [2001:db8::1]:8443.
        host: String,
        /// Connect HOST to ADDR without asking DNS, like curl's --resolve: HOST:PORT:ADDR
        /// or HOST:ADDR (IPv6 in brackets or bare; repeatable). An override that matches
        /// nothing is a warning.
        #[arg(long = "resolve", value_name = "HOST:PORT:ADDR")]
        resolve: Vec<String>,
        /// Output format (default `text`).
        #[arg(long, value_enum, visible_alias = "output", conflicts_with = "json")]
        format: Option<OutputFormat>,
        /// The same as --format json.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        narrow: Narrow,
        /// Exit with status 2 when a finding is at or above this severity.
        #[arg(long, value_enum, default_value = "medium")]
        fail_on: Severity,
        /// PEM file of private roots your clients trust (same as EXTRA_TRUSTED_CA_PEM).
        #[arg(long)]
        ca_file: Option<PathBuf>,
        /// Language of the findings (default: REPORT_LANGUAGE, else English).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
}

/// How a command ends: the one place exit statuses are decided (errors exit 1 through
/// `main`'s `Result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done, nothing at `--fail-on`, everything seen.
    Ok,
    /// 2: a finding at or above `--fail-on`.
    Findings,
    /// 3: nothing at `--fail-on`, but part of the estate could not be read.
    Incomplete,
}

impl Exit {
    /// [`Exit::Findings`] when any finding about the estate reaches `min`, else
    /// [`Exit::Incomplete`] when the scan could not see everything.
    fn judge(findings: &[Finding], min: Option<Severity>) -> Exit {
        let (gaps, found): (Vec<&Finding>, Vec<&Finding>) = findings
            .iter()
            .partition(|f| f.cause == acm_doctor::finding::Cause::ScanIncomplete);
        match min {
            Some(min) if found.iter().any(|f| f.severity >= min) => Exit::Findings,
            _ if !gaps.is_empty() => Exit::Incomplete,
            _ => Exit::Ok,
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Findings => 2,
            Exit::Incomplete => 3,
        }
    }
}

/// Runs one subcommand.
pub async fn run(command: Command) -> Result<Exit> {
    match command {
        Command::Invoke {
            event,
            summary,
            digest,
            emf,
        } => invoke(event, summary, digest, emf).await,
        Command::Scan {
            regions,
            profile,
            endpoint_url,
            format,
            narrow,
            fail_on,
            lang,
            publish,
        } => {
            scan(
                Target {
                    regions,
                    profile,
                    endpoint_url,
                },
                format,
                narrow,
                fail_on,
                lang,
                publish,
            )
            .await
        }
        Command::Schema { which } => {
            print!(
                "{}",
                match which {
                    SchemaName::Report => acm_doctor::report::schema::REPORT_V1,
                    SchemaName::Probe => acm_doctor::report::schema::PROBE_V1,
                }
            );
            Ok(Exit::Ok)
        }
        Command::Catalog { lang } => {
            print!("{}", acm_doctor::report::catalog::markdown(lang));
            Ok(Exit::Ok)
        }
        Command::Probe {
            host,
            resolve,
            format,
            json,
            narrow,
            fail_on,
            ca_file,
            lang,
        } => {
            let format = if json {
                Some(OutputFormat::Json)
            } else {
                format
            };
            probe(host, resolve, format, narrow, fail_on, ca_file, lang).await
        }
    }
}

/// Lambda's payload limit for a synchronous invocation.
const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

async fn invoke(event: PathBuf, summary: bool, digest: bool, emf: bool) -> Result<Exit> {
    // Lambda accepts at most 6 MB for a synchronous invocation; an event file is held
    // to the same.
    let text = acm_doctor::config::read_capped(&event.to_string_lossy(), MAX_EVENT_BYTES)
        .map_err(anyhow::Error::msg)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", event.display()))?;
    let config = Config::from_env()?;
    // An SQS batch or an organization's schedule: the coordinator's or worker's answer.
    if acm_doctor::org::Role::of(&value, config.org_accounts.is_some())
        != acm_doctor::org::Role::Account
    {
        let runtime = crate::runtime(config).await?;
        let (answer, _) = runtime
            .handle(
                &value,
                chrono::Utc::now(),
                uuid::Uuid::new_v4().to_string(),
                None,
            )
            .await
            .map_err(|d| anyhow::anyhow!("{} ({})", d.error_message, d.error_type))?;
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(Exit::Ok);
    }
    let engine = crate::engine(config, None, None).await?;
    let outcome = engine
        .handle_event(&value, chrono::Utc::now(), uuid::Uuid::new_v4().to_string())
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e, e.error_type()))?;
    match (&outcome.report, summary) {
        (Some(r), false) if digest => print!("{}", r.email_digest()),
        (Some(r), false) => println!("{}", serde_json::to_string_pretty(r)?),
        _ => println!("{}", serde_json::to_string_pretty(&outcome.summary)?),
    }
    if emf {
        crate::print_metrics(&outcome.metrics);
    }
    // As `scan` does without --fail-on: 3 when the run could not see everything.
    Ok(outcome
        .report
        .as_ref()
        .map_or(Exit::Ok, |r| Exit::judge(&r.findings, None)))
}

/// Which account a scan reads, and how.
struct Target {
    regions: Vec<String>,
    profile: Option<String>,
    endpoint_url: Option<String>,
}

async fn scan(
    target: Target,
    format: Option<OutputFormat>,
    narrow: Narrow,
    fail_on: Option<Severity>,
    lang: Option<Lang>,
    publish: bool,
) -> Result<Exit> {
    let Target {
        regions,
        profile,
        endpoint_url,
    } = target;
    if let Some(p) = &profile {
        check_profile(p)?;
    }
    if let Some(u) = &endpoint_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        anyhow::bail!("--endpoint-url {u:?} is not an http:// or https:// URL");
    }
    let filter = narrow.filter()?;
    let mut config = Config::from_env()?;
    if !regions.is_empty() {
        config.scan_regions = regions;
    }
    if let Some(lang) = lang {
        config.report_language = lang;
    }
    if let Some(m) = &narrow.mute_file {
        config.mute_file = Some(m.display().to_string());
    }
    // A local mute list that cannot be used stops the CLI before anything is read, as in
    // `probe` (the Lambda, which nobody watches, mutes nothing and says why instead). One
    // in S3 is read by the run itself.
    if let Some(m) = config
        .mute_file
        .as_deref()
        .filter(|m| !m.starts_with("s3://"))
    {
        mute_list(m)?;
    }
    if !publish {
        config.findings_topic_arn = None;
    }
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
    let engine = crate::engine_at(
        config,
        profile.as_deref(),
        endpoint_url.as_deref(),
        bar.clone(),
    )
    .await?;
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
    let report = outcome?
        .report
        .context("a manual scan always reports")?
        .filtered(&filter);
    let to_terminal = narrow.output_file.is_none() && std::io::stdout().is_terminal();
    let format = format.unwrap_or(if to_terminal {
        OutputFormat::Table
    } else {
        OutputFormat::Text
    });
    let region = engine.config.scan_regions.first().map(String::as_str);
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none();
    let file = narrow.output_file.as_deref();
    if format == OutputFormat::Json {
        // Streamed: a report of 10,000 findings is not held a second time as text.
        emit_with(file, |w| {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            w.write_all(b"\n")
        })?;
    } else {
        emit(&render(&report, format, color, region)?, file)?;
    }
    Ok(Exit::judge(&report.findings, fail_on))
}

/// Prints `text`, or writes it to `file` (`--output-file`).
fn emit(text: &str, file: Option<&std::path::Path>) -> Result<()> {
    emit_with(file, |w| w.write_all(text.as_bytes()))
}

/// Runs `write` on standard output, or on `file` (`--output-file`).
fn emit_with(
    file: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<()> {
    use std::io::Write;
    match file {
        Some(f) => {
            let cannot = || format!("cannot write {}", f.display());
            let mut out = std::io::BufWriter::new(std::fs::File::create(f).with_context(cannot)?);
            write(&mut out)
                .and_then(|_| out.flush())
                .with_context(cannot)
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth a message.
            match write(&mut out).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => Ok(other?),
            }
        }
    }
}

/// A `--profile` that no shared file names is an error in words, not a scan that fails
/// read by read for want of credentials.
fn check_profile(name: &str) -> Result<()> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let file = |var: &str, default: &str| {
        let path = std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".aws").join(default));
        acm_doctor::config::read_capped(&path.to_string_lossy(), 1024 * 1024).unwrap_or_default()
    };
    let (config, credentials) = (
        file("AWS_CONFIG_FILE", "config"),
        file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    );
    if !acm_doctor::aws::profile_exists(name, &config, &credentials) {
        anyhow::bail!(
            "the profile {name:?} is not in ~/.aws/config or ~/.aws/credentials (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE): check its name with `aws configure list-profiles`"
        );
    }
    Ok(())
}

/// The report in `format`; `region` is where ASFF findings would be imported.
fn render(
    report: &Report,
    format: OutputFormat,
    color: bool,
    region: Option<&str>,
) -> Result<String> {
    Ok(match format {
        OutputFormat::Table => acm_doctor::report::table::findings_table(report, color),
        OutputFormat::Json => serde_json::to_string_pretty(report)? + "\n",
        OutputFormat::Markdown => report.markdown(),
        OutputFormat::Asff => {
            let asff: Vec<serde_json::Value> = acm_doctor::report::asff::findings(
                report,
                region.unwrap_or("us-east-1"),
                chrono::Utc::now(),
            )
            .iter()
            .map(|f| f.to_json())
            .collect();
            serde_json::to_string_pretty(&asff)? + "\n"
        }
        OutputFormat::Text => report.email_digest(),
        OutputFormat::Sarif => report.sarif_json(),
        OutputFormat::Junit => report.junit(),
        OutputFormat::Csv => report.csv(),
        OutputFormat::Html => report.html(),
    })
}

/// `HOST`, `HOST:PORT`, `[V6]`, `[V6]:PORT` or a bare IPv6 address → (host, port).
fn host_and_port(arg: &str) -> Result<(String, u16)> {
    let arg = arg.trim();
    let port = |p: &str| -> Result<u16> {
        p.parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .with_context(|| format!("{arg:?}: {p:?} is not a port (1-65535)"))
    };
    if let Some(rest) = arg.strip_prefix('[') {
        let (v6, tail) = rest
            .split_once(']')
            .with_context(|| format!("{arg:?}: an IPv6 address in brackets needs its ']'"))?;
        v6.parse::<std::net::Ipv6Addr>()
            .with_context(|| format!("{arg:?}: {v6:?} is not an IPv6 address"))?;
        let p = match tail.strip_prefix(':') {
            Some(p) => port(p)?,
            None if tail.is_empty() => 443,
            None => anyhow::bail!("{arg:?}: expected [IPv6]:PORT"),
        };
        return Ok((format!("[{v6}]"), p));
    }
    if arg.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((format!("[{arg}]"), 443));
    }
    match arg.rsplit_once(':') {
        Some((h, p)) => Ok((h.to_string(), port(p)?)),
        None => Ok((arg.to_string(), 443)),
    }
}

/// One `--resolve`: `HOST:ADDR` or curl's `HOST:PORT:ADDR` (ADDR IPv4, IPv6 bare or in
/// brackets) → (host, port if given, address).
fn resolve_entry(r: &str) -> Result<(String, Option<u16>, std::net::IpAddr)> {
    let bad = || format!("--resolve {r:?}: expected HOST:PORT:ADDR or HOST:ADDR");
    let (host, rest) = r.split_once(':').with_context(bad)?;
    let addr = |a: &str| -> Result<std::net::IpAddr> {
        a.trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .with_context(|| format!("--resolve {r:?}: {a:?} is not an IP address"))
    };
    if host.is_empty() {
        anyhow::bail!(bad());
    }
    if let Ok(ip) = addr(rest) {
        return Ok((host.to_string(), None, ip));
    }
    let (p, a) = rest.split_once(':').with_context(bad)?;
    let port = p
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .with_context(|| format!("--resolve {r:?}: {p:?} is not a port"))?;
    Ok((host.to_string(), Some(port), addr(a)?))
}

/// The mute list at `at` (a local path), or an error naming the file and the entry.
fn mute_list(at: &str) -> anyhow::Result<acm_doctor::report::mute::MuteList> {
    let text = acm_doctor::config::read_capped(at, acm_doctor::config::MAX_MUTE_FILE)
        .map_err(anyhow::Error::msg)?;
    acm_doctor::report::mute::MuteList::parse(&text).with_context(|| format!("the mute file {at}"))
}

async fn probe(
    host: String,
    resolve: Vec<String>,
    format: Option<OutputFormat>,
    narrow: Narrow,
    fail_on: Severity,
    ca_file: Option<PathBuf>,
    lang: Option<Lang>,
) -> Result<Exit> {
    let filter = narrow.filter()?;
    let mut config = Config::from_env()?;
    if let Some(lang) = lang {
        config.report_language = lang;
    }
    if let Some(f) = ca_file {
        config.extra_trusted_ca_pem = Some(
            acm_doctor::config::read_capped(
                &f.to_string_lossy(),
                acm_doctor::config::MAX_CA_BUNDLE,
            )
            .map_err(anyhow::Error::msg)?,
        );
    }
    let (name, port) = host_and_port(&host)?;
    let host = acm_doctor::pki::hostname::to_ascii(&name)
        .with_context(|| format!("{name:?} is not a hostname"))?;
    let mut prober = NetProber::new(&config.dns_servers, 1, Timeouts::default())?;
    prober.https_port = port;
    for r in &resolve {
        let (h, p, ip) = resolve_entry(r)?;
        let h = acm_doctor::pki::hostname::to_ascii(&h)
            .with_context(|| format!("--resolve {r:?}: {h:?} is not a hostname"))?;
        if h != host.trim_start_matches('[').trim_end_matches(']') && h != host {
            eprintln!("warning: --resolve {r:?} matches no probed host (probing {host})");
        } else if p.is_some_and(|p| p != port) {
            eprintln!(
                "warning: --resolve {r:?} is for port {}, but the probe connects to {port}",
                p.unwrap_or(0)
            );
        }
        prober.resolve_override(&h, ip);
    }
    let mutes = match narrow
        .mute_file
        .as_ref()
        .map(|m| m.display().to_string())
        .or(config.mute_file.clone())
    {
        Some(m) => mute_list(&m)?,
        None => Default::default(),
    };
    let now = chrono::Utc::now();
    let (hosts, findings, warnings) =
        acm_doctor::handler::diagnose_hosts(&prober, &config, vec![host], now).await;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    // One report model for every format but the probe's own text and JSON.
    let report = Report::new(
        uuid::Uuid::new_v4().to_string(),
        None,
        Trigger::manual(),
        now,
        acm_doctor::report::Scanned {
            hostnames_probed: hosts.len(),
            ..Default::default()
        },
        Vec::new(),
        findings,
    )
    .in_language(config.report_language)
    .muting(&mutes, now)
    .filtered(&filter);
    let format = format.unwrap_or(OutputFormat::Text);
    let color = narrow.output_file.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let text = match format {
        OutputFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "schema": acm_doctor::report::schema::PROBE_SCHEMA,
                "hosts": hosts,
                "findings": report.findings,
            }))? + "\n"
        }
        OutputFormat::Text => acm_doctor::report::probe_text::probe_text(
            &hosts,
            &report.findings,
            config.report_language,
        ),
        other => render(&report, other, color, None)?,
    };
    emit(&text, narrow.output_file.as_deref())?;
    // A host that was not probed is not a clean host.
    if hosts.is_empty() {
        return Ok(Exit::Incomplete);
    }
    Ok(Exit::judge(&report.findings, Some(fail_on)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use acm_doctor::finding::Cause;

    fn finding(check: &str, sev: Severity, cause: Cause, resource: &str) -> Finding {
        let mut f = Finding::new(check, sev, resource, "us-east-1");
        f.cause = cause;
        f
    }

    /// Issue 11: exit statuses a CI job can rely on — 2 for a finding at --fail-on, 3
    /// for an incomplete scan with nothing at --fail-on, 0 only for a complete clean one.
    #[test]
    fn exit_codes_tell_findings_incomplete_and_clean_apart() {
        let gap = finding(
            "scan_incomplete",
            Severity::High,
            Cause::ScanIncomplete,
            "acm-doctor",
        );
        let low = finding(
            "legacy_tls_policy",
            Severity::Low,
            Cause::TlsConfiguration,
            "arn:1",
        );
        let high = finding(
            "alb_host_not_covered",
            Severity::High,
            Cause::NameMismatch,
            "arn:2",
        );
        let at = Some(Severity::Medium);
        assert_eq!(Exit::judge(&[], at), Exit::Ok);
        assert_eq!(Exit::judge(std::slice::from_ref(&low), at), Exit::Ok);
        assert_eq!(
            Exit::judge(&[low.clone(), gap.clone()], at),
            Exit::Incomplete
        );
        assert_eq!(
            Exit::judge(&[gap.clone(), high.clone()], at),
            Exit::Findings
        );
        assert_eq!(
            Exit::judge(std::slice::from_ref(&gap), None),
            Exit::Incomplete
        );
        assert_eq!(Exit::Incomplete.code(), 3);
    }

    /// Issue 13: each subcommand's --help shows examples, and `--output` is `--format`.
    #[test]
    fn help_has_examples_and_output_is_format() {
        use clap::CommandFactory;
        let mut cli = Cli::command();
        for sub in ["scan", "probe", "invoke", "catalog", "schema"] {
            let help = cli
                .find_subcommand_mut(sub)
                .unwrap()
                .render_long_help()
                .to_string();
            assert!(help.contains("Examples:"), "{sub} --help has no examples");
        }
        let a = Cli::try_parse_from(["acm-doctor", "scan", "--output", "json"]).unwrap();
        assert!(matches!(
            a.command,
            Some(Command::Scan {
                format: Some(OutputFormat::Json),
                ..
            })
        ));
        assert!(Cli::try_parse_from(["acm-doctor", "scan", "--output", "yaml"]).is_err());
    }

    /// Issue 13: `probe HOST[:PORT]`, IPv6 in brackets or bare.
    #[test]
    fn probe_targets_take_a_port_and_ipv6() {
        let hp = |a: &str| host_and_port(a).unwrap();
        assert_eq!(hp("shop.example.com"), ("shop.example.com".into(), 443));
        assert_eq!(hp("api.example.com:8443"), ("api.example.com".into(), 8443));
        assert_eq!(hp("[2001:db8::1]:8443"), ("[2001:db8::1]".into(), 8443));
        assert_eq!(hp("[2001:db8::1]"), ("[2001:db8::1]".into(), 443));
        assert_eq!(hp("2001:db8::1"), ("[2001:db8::1]".into(), 443));
        for bad in [
            "host:0",
            "host:99999",
            "host:https",
            "[2001:db8::1",
            "[nope]:443",
        ] {
            assert!(host_and_port(bad).is_err(), "{bad}");
        }
    }

    /// Issue 13: `--resolve` in curl's HOST:PORT:ADDR form as well as HOST:ADDR.
    #[test]
    fn resolve_takes_curls_form_and_ipv6() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(
            resolve_entry("a.example:10.0.0.1").unwrap(),
            ("a.example".into(), None, ip("10.0.0.1"))
        );
        assert_eq!(
            resolve_entry("a.example:443:10.0.0.1").unwrap(),
            ("a.example".into(), Some(443), ip("10.0.0.1"))
        );
        assert_eq!(
            resolve_entry("a.example:8443:[2001:db8::1]").unwrap(),
            ("a.example".into(), Some(8443), ip("2001:db8::1"))
        );
        assert_eq!(
            resolve_entry("a.example:2001:db8::1").unwrap(),
            ("a.example".into(), None, ip("2001:db8::1"))
        );
        assert_eq!(
            resolve_entry("a.example:[::1]").unwrap(),
            ("a.example".into(), None, ip("::1"))
        );
        for bad in [
            "a.example",
            ":10.0.0.1",
            "a.example:443:nope",
            "a.example:x:10.0.0.1",
        ] {
            assert!(resolve_entry(bad).is_err(), "{bad}");
        }
    }

    /// Issue 13: every format is offered to both `scan` and `probe`, and the filters
    /// parse on both.
    #[test]
    fn scan_and_probe_share_formats_and_filters() {
        for f in [
            "table", "text", "json", "markdown", "asff", "sarif", "junit", "csv", "html",
        ] {
            assert!(
                Cli::try_parse_from(["acm-doctor", "scan", "--format", f]).is_ok(),
                "scan {f}"
            );
            assert!(
                Cli::try_parse_from(["acm-doctor", "probe", "h", "--format", f]).is_ok(),
                "probe {f}"
            );
        }
        let a = Cli::try_parse_from([
            "acm-doctor",
            "scan",
            "--severity",
            "high",
            "--checks",
            "a,b",
            "--exclude-checks",
            "c",
            "--output-file",
            "out.sarif",
            "--mute-file",
            "m.yaml",
        ])
        .unwrap();
        let Some(Command::Scan { narrow, .. }) = a.command else {
            panic!("scan")
        };
        assert_eq!(narrow.severity, Some(Severity::High));
        assert_eq!(narrow.checks, ["a,b"]);
        assert!(narrow.filter().is_err(), "a and b are not checks");
        assert!(
            Cli::try_parse_from(["acm-doctor", "probe", "h", "--json", "--format", "csv"]).is_err()
        );
    }
}
