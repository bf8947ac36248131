//! The inventory's data: what AWS says is deployed. Plain data, filled by the adapters
//! (or by fakes in tests), read by the checks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Declares an AWS string enum as a model enum: the values AWS documents, an `Other` arm
/// for anything newer, the wire string both ways (serde, `Display`, `From<&str>`), so the
/// adapters translate once and checks match variants instead of comparing strings.
macro_rules! aws_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($variant,)+
            /// A value this code does not know (kept as AWS sent it).
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name::from(s.as_str())
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_string()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::Other(String::new())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

aws_enum!(
    /// ACM's certificate `Type`, and `IAM_SERVER_CERTIFICATE` for an IAM server
    /// certificate on a listener (not ACM's; read from IAM, never renewed by AWS).
    CertificateType {
        AmazonIssued = "AMAZON_ISSUED",
        Imported = "IMPORTED",
        Private = "PRIVATE",
        IamServer = "IAM_SERVER_CERTIFICATE",
    }
);

aws_enum!(
    /// ACM's certificate `Status`.
    CertificateStatus {
        PendingValidation = "PENDING_VALIDATION",
        Issued = "ISSUED",
        Inactive = "INACTIVE",
        Expired = "EXPIRED",
        ValidationTimedOut = "VALIDATION_TIMED_OUT",
        Revoked = "REVOKED",
        Failed = "FAILED",
    }
);

aws_enum!(
    /// A load balancer's `Scheme`.
    Scheme {
        InternetFacing = "internet-facing",
        Internal = "internal",
    }
);

aws_enum!(
    /// A listener's `Protocol` (`SSL`: a Classic Load Balancer's TLS listener that passes
    /// TCP through).
    ListenerProtocol {
        Http = "HTTP",
        Https = "HTTPS",
        Tcp = "TCP",
        Tls = "TLS",
        Ssl = "SSL",
        Udp = "UDP",
        TcpUdp = "TCP_UDP",
        Geneve = "GENEVE",
    }
);

aws_enum!(
    /// A CloudFront cache behavior's `ViewerProtocolPolicy`.
    ViewerProtocolPolicy {
        AllowAll = "allow-all",
        RedirectToHttps = "redirect-to-https",
        HttpsOnly = "https-only",
    }
);

/// An ACM certificate, from `ListCertificates` and, where a check needs it,
/// `DescribeCertificate` / `GetCertificate`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Certificate {
    pub arn: String,
    pub region: String,
    pub domain_name: String,
    /// Subject alternative names (ACM lists the domain name among them).
    pub sans: Vec<String>,
    pub cert_type: CertificateType,
    pub status: CertificateStatus,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
    /// ACM's own `InUse` flag from the summary, when it sent one.
    pub in_use: Option<bool>,
    /// `InUseBy` ARNs (load balancers, listeners, distributions).
    pub in_use_by: Vec<String>,
    /// ACM's `Exported` flag from the summary: the certificate was exported and may be
    /// installed outside AWS (exportable public certificates).
    pub exported: bool,
    /// `ELIGIBLE` / `INELIGIBLE`.
    pub renewal_eligibility: Option<String>,
    /// Normalised key algorithm, e.g. `RSA_2048`, `EC_prime256v1`.
    pub key_algorithm: Option<String>,
    pub serial: Option<String>,
    pub issuer: Option<String>,
    pub failure_reason: Option<String>,
    pub renewal: Option<RenewalSummary>,
    pub validations: Vec<DomainValidation>,
    /// `ENABLED` / `DISABLED` (CertificateTransparencyLoggingPreference).
    pub ct_logging: Option<String>,
    /// Whether `DescribeCertificate` was read for this certificate.
    pub described: bool,
    /// PEM bodies from `GetCertificate`, when fetched.
    pub pem: Option<CertificatePem>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RenewalSummary {
    /// `PENDING_AUTO_RENEWAL`, `PENDING_VALIDATION`, `SUCCESS`, `FAILED`.
    pub status: String,
    pub reason: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub validations: Vec<DomainValidation>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DomainValidation {
    pub domain_name: String,
    /// `DNS`, `EMAIL`, `HTTP`.
    pub method: Option<String>,
    /// `PENDING_VALIDATION`, `SUCCESS`, `FAILED`.
    pub status: Option<String>,
    pub record: Option<ResourceRecord>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ResourceRecord {
    pub name: String,
    pub rtype: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CertificatePem {
    pub certificate: String,
    /// The chain ACM stores beside the leaf; empty or absent for an imported
    /// certificate stored without one.
    pub chain: Option<String>,
}

/// An Elastic Load Balancing load balancer with its listeners: v2 (application, network,
/// gateway) or a Classic Load Balancer (`lb_type` `classic`), whose listeners have no
/// ARN of their own (named `LB_ARN/listener/PORT` here), one certificate each (no SNI)
/// and no rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    pub region: String,
    pub dns_name: String,
    pub scheme: Scheme,
    /// `application`, `network`, `gateway`, `classic`.
    pub lb_type: String,
    pub listeners: Vec<Listener>,
}

impl LoadBalancer {
    pub fn is_internet_facing(&self) -> bool {
        self.scheme == Scheme::InternetFacing
    }
    /// A Classic Load Balancer: no redirects, no SNI, managed with `aws elb`.
    pub fn is_classic(&self) -> bool {
        self.lb_type == CLASSIC
    }
    pub fn https_listeners(&self) -> impl Iterator<Item = &Listener> {
        self.listeners.iter().filter(|l| l.is_tls())
    }
}

/// [`LoadBalancer::lb_type`] of a Classic Load Balancer.
pub const CLASSIC: &str = "classic";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Listener {
    pub arn: String,
    pub port: i32,
    pub protocol: ListenerProtocol,
    pub ssl_policy: Option<String>,
    pub default_actions: Vec<Action>,
    /// Non-default rules, in priority order.
    pub rules: Vec<Rule>,
    /// Default (IsDefault) and SNI certificates.
    pub certificates: Vec<ListenerCertificate>,
}

impl Listener {
    pub fn is_tls(&self) -> bool {
        matches!(
            self.protocol,
            ListenerProtocol::Https | ListenerProtocol::Tls | ListenerProtocol::Ssl
        )
    }
    pub fn default_certificate(&self) -> Option<&str> {
        self.certificates
            .iter()
            .find(|c| c.is_default)
            .map(|c| c.arn.as_str())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ListenerCertificate {
    pub arn: String,
    pub is_default: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Rule {
    pub arn: String,
    pub priority: String,
    pub host_headers: Vec<String>,
    pub path_patterns: Vec<String>,
    /// Conditions other than host-header/path-pattern (http-header, query-string, …).
    pub other_conditions: Vec<String>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Action {
    Forward {
        target: String,
    },
    Redirect {
        protocol: Option<String>,
        port: Option<String>,
        host: Option<String>,
        path: Option<String>,
        status_code: String,
    },
    FixedResponse {
        status_code: String,
    },
    /// Authentication actions and anything newer than this code.
    Other {
        kind: String,
    },
}

impl Action {
    /// Whether this action sends a plain-HTTP visitor to HTTPS. `#{protocol}` keeps the
    /// incoming protocol, so on an HTTP listener it is not a redirect to HTTPS.
    pub fn redirects_to_https(&self) -> bool {
        matches!(self, Action::Redirect { protocol: Some(p), .. } if p.eq_ignore_ascii_case("HTTPS"))
    }
    /// Whether this action serves content (so plain HTTP would reach the app).
    pub fn serves_content(&self) -> bool {
        matches!(self, Action::Forward { .. } | Action::FixedResponse { .. })
    }
}

/// A CloudFront distribution (global; its ACM certificate lives in us-east-1).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Distribution {
    pub id: String,
    pub arn: String,
    pub domain_name: String,
    pub aliases: Vec<String>,
    pub enabled: bool,
    pub viewer_certificate: ViewerCertificate,
    pub default_behavior: CacheBehavior,
    pub behaviors: Vec<CacheBehavior>,
}

impl Distribution {
    /// The default behavior followed by every ordered cache behavior.
    pub fn all_behaviors(&self) -> impl Iterator<Item = &CacheBehavior> {
        std::iter::once(&self.default_behavior).chain(self.behaviors.iter())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ViewerCertificate {
    pub acm_certificate_arn: Option<String>,
    pub cloudfront_default_certificate: bool,
    pub iam_certificate_id: Option<String>,
    pub ssl_support_method: Option<String>,
    pub minimum_protocol_version: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CacheBehavior {
    /// `*` for the default behavior.
    pub path_pattern: String,
    pub viewer_protocol_policy: ViewerProtocolPolicy,
}

/// An API Gateway custom domain name (REST and HTTP APIs share them: API Gateway's v1
/// `GetDomainNames` lists regional and edge-optimized ones alike). Its hostname is the
/// domain name itself; DNS must lead to `target`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ApiDomain {
    /// `arn:aws:apigateway:REGION::/domainnames/NAME`.
    pub arn: String,
    pub name: String,
    pub region: String,
    /// `REGIONAL`, `EDGE` or `PRIVATE`.
    pub endpoint_type: String,
    /// The ACM certificate (regional: in the domain's region; edge: in us-east-1).
    pub certificate_arn: Option<String>,
    /// `TLS_1_0`, `TLS_1_2`, or a newer `SecurityPolicy_…` name.
    pub security_policy: Option<String>,
    /// Where the DNS record must point: the regional domain name
    /// (`d-….execute-api.REGION.amazonaws.com`) or, for edge, the CloudFront domain.
    pub target: String,
    /// `AVAILABLE`, `UPDATING`, `PENDING_CERTIFICATE_REIMPORT`, …
    pub status: Option<String>,
}

impl ApiDomain {
    pub fn is_edge(&self) -> bool {
        self.endpoint_type == "EDGE"
    }
    /// A private API's domain is reached only from inside a VPC.
    pub fn is_private(&self) -> bool {
        self.endpoint_type == "PRIVATE"
    }
}

/// A Route 53 record that points a hostname at something (alias or CNAME).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DnsRecord {
    pub zone_id: String,
    pub zone_name: String,
    /// Record name, normalised (lower case, no trailing dot).
    pub name: String,
    /// `A`, `AAAA`, `CNAME`.
    pub rtype: String,
    /// Alias target DNS name or CNAME value, normalised.
    pub target: String,
    pub alias: bool,
    /// Plain values for non-alias A/AAAA/TXT/NS records.
    pub values: Vec<String>,
    /// The record is in a private hosted zone: it answers only inside the zone's VPCs.
    #[serde(default)]
    pub private_zone: bool,
}

/// The tag that mutes checks on the resource it is on (`report::mute` applies it).
pub const MUTE_TAG: &str = "acm-doctor:mute";

/// A resource's `acm-doctor:mute` tag as read (the report applies it: the inventory
/// only reads).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MuteTag {
    pub resource: String,
    pub value: String,
}

/// Something the scan could not read, and why; shown in the report's `skipped` list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// What was not checked, e.g. `elbv2:DescribeLoadBalancers`.
    pub what: String,
    pub region: Option<String>,
    pub reason: String,
    /// A gap in what was seen (makes the run incomplete), or a choice.
    #[serde(default)]
    pub kind: SkipKind,
    /// The account it belongs to, in an organization run (`ORG_ACCOUNTS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// Whether a skip is a failure to see or a deliberate choice.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SkipKind {
    /// A read that failed, a host not probed in time: the run is incomplete.
    #[default]
    Gap,
    /// Not looked at on purpose (a name only a private hosted zone answers).
    Deliberate,
}
