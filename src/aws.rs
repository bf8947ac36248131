//! The AWS boundary's shared shape: one error ([`ApiError`]: service, operation, region,
//! kind, message) that every adapter returns, one mapper from SDK errors to it, and the
//! SDK configuration every client is built from.

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A failed AWS call, with what a report needs to name it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{service}:{operation} failed{}: {message}", region.as_deref().map(|r| format!(" in {r}")).unwrap_or_default())]
pub struct ApiError {
    pub service: &'static str,
    pub operation: &'static str,
    pub region: Option<String>,
    pub kind: ApiErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApiErrorKind {
    Throttled,
    AccessDenied,
    NotFound,
    Unavailable,
    /// No answer within the attempt or operation timeout: retrying waits as long again.
    TimedOut,
    Other,
}

/// The region named in an ARN (`arn:aws:acm:REGION:…`).
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// Loads the shared SDK configuration from the default chain (env, profile, IMDS,
/// Lambda's role), with the standard retry (exponential backoff with jitter). Not the
/// adaptive one: its client-side limiter collapses under throttling that does not ease
/// with the rate (see `inventory::sdk::pace`, which paces ACM's per-certificate calls).
pub async fn load_sdk_config(
    profile: Option<&str>,
    region: Option<&str>,
    endpoint_url: Option<&str>,
) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(6))
        .timeout_config(timeouts());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    // As the aws CLI's --endpoint-url: every service at one URL (an emulator).
    if let Some(u) = endpoint_url {
        loader = loader.endpoint_url(u);
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_string()));
    }
    loader.load().await
}

/// Whether a named profile is in the shared config or credentials file
/// (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and
/// `~/.aws/credentials`): `[profile NAME]` or `[NAME]`. The SDK would otherwise fall back
/// to no credentials and the scan would fail read by read.
pub fn profile_exists(name: &str, config_text: &str, credentials_text: &str) -> bool {
    let sections = |text: &str, with_prefix: bool| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']').map(str::trim))
            .map(|h| match (with_prefix, h.strip_prefix("profile")) {
                (true, Some(rest)) if rest.starts_with(char::is_whitespace) => {
                    rest.trim().to_string()
                }
                _ => h.to_string(),
            })
            .collect()
    };
    sections(config_text, true).iter().any(|s| s == name)
        || sections(credentials_text, false).iter().any(|s| s == name)
}

/// Every AWS call ends: an endpoint that accepts and never answers (or drips) costs one
/// attempt timeout per try and at most the operation timeout in all, then becomes a
/// named skip — never the function's own timeout.
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .read_timeout(std::time::Duration::from_secs(8))
        .operation_attempt_timeout(std::time::Duration::from_secs(8))
        .operation_timeout(std::time::Duration::from_secs(20))
        .build()
}

/// An S3 client on `config`, path-style when an endpoint is set (an emulator's
/// `AWS_ENDPOINT_URL`: BUCKET.127.0.0.1 does not resolve).
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// An S3 object as UTF-8 text, refused when longer than `max` bytes (only `max + 1` are
/// asked for); errors name `s3://BUCKET/KEY`.
pub async fn s3_text(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    max: usize,
) -> Result<String, ApiError> {
    let what = format!("s3://{bucket}/{key}");
    let local = |why: String| ApiError::local("s3", "GetObject", None, why);
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .range(format!("bytes=0-{max}"))
        .send()
        .await
        .map_err(|e| api_err("s3", "GetObject", None, e).on(&what))?;
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| local(format!("{what}: {e}")))?
        .into_bytes();
    if bytes.len() > max {
        return Err(local(format!("{what} is larger than {max} bytes")));
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| local(format!("{what} is not UTF-8 text")))
}

/// Maps an SDK error to an [`ApiError`] that names the call: the service's error code and
/// message when it sent one, else what the endpoint did (an HTTP status without a service
/// error, as an emulator lacking the call answers) or why nothing answered.
pub fn api_err<E>(
    service: &'static str,
    operation: &'static str,
    region: Option<&str>,
    err: SdkError<E, HttpResponse>,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    api_err_of(service, operation, region, &err)
}

/// [`api_err`] of an error held by reference (the source of a credentials error).
pub fn api_err_of<E>(
    service: &'static str,
    operation: &'static str,
    region: Option<&str>,
    err: &SdkError<E, HttpResponse>,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err.code().unwrap_or_default().to_string();
    let kind = match code.as_str() {
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "PriorRequestNotComplete" => ApiErrorKind::Throttled,
        "AccessDenied"
        | "AccessDeniedException"
        | "AuthorizationError"
        | "UnauthorizedOperation"
        | "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "ExpiredToken" => ApiErrorKind::AccessDenied,
        "ResourceNotFoundException"
        | "NoSuchDistribution"
        | "LoadBalancerNotFound"
        | "ListenerNotFound" => ApiErrorKind::NotFound,
        "" if matches!(err, SdkError::TimeoutError(_)) => ApiErrorKind::TimedOut,
        "" => ApiErrorKind::Unavailable,
        _ => ApiErrorKind::Other,
    };
    let message = match (code.is_empty(), err.message(), err.raw_response()) {
        (false, Some(m), _) => format!("{code}: {m}"),
        (false, None, _) => code.clone(),
        (true, _, Some(r))
            if !matches!(
                err,
                SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
            ) =>
        {
            format!("HTTP {} without a {service} error", r.status().as_u16())
        }
        _ => DisplayErrorContext(err).to_string(),
    };
    ApiError {
        service,
        operation,
        region: region.map(str::to_string),
        kind,
        message,
    }
}

impl ApiError {
    /// Names the resource the call was about (a table, a topic) in the message.
    pub fn on(mut self, resource: &str) -> ApiError {
        self.message = format!("{resource}: {}", self.message);
        self
    }

    /// An error raised on our side of the boundary (an SDK builder refusing its input).
    pub fn local(
        service: &'static str,
        operation: &'static str,
        region: Option<&str>,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            service,
            operation,
            region: region.map(str::to_string),
            kind: ApiErrorKind::Other,
            message: message.into(),
        }
    }
}

/// An AWS region name: lower-case letters and digits in dash-separated parts, ending in
/// a number (`us-east-1`, `ap-southeast-5`, `us-gov-west-1`, `cn-north-1`).
pub fn is_region_name(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    r.len() <= 32
        && parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod profile_tests {
    use super::profile_exists;

    #[test]
    fn a_profile_exists_only_when_a_file_names_it() {
        let config = "[default]\nregion = us-east-1\n[profile prod]\nregion = eu-west-1\n";
        let creds = "[ci]\naws_access_key_id = x\n";
        assert!(profile_exists("prod", config, creds));
        assert!(profile_exists("default", config, creds));
        assert!(profile_exists("ci", config, creds));
        assert!(
            !profile_exists("prdo", config, creds),
            "a typo is not a profile"
        );
        assert!(!profile_exists("profile", config, ""));
        assert!(!profile_exists("x", "", ""));
    }
}
