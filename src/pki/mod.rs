//! Public-key infrastructure shared by every stage: certificate parsing, browser trust,
//! key pins, the certificate-transparency log list and hostname matching. No I/O and no
//! judgement: the probe records with it, the checks judge with it.

pub mod ct_logs;
pub mod hostname;
pub mod pins;
pub mod trust;
pub mod x509;
