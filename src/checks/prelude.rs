//! What every check module imports: `use crate::checks::prelude::*;`.

pub use super::common::{days_until, evidence};
pub(crate) use super::declare_check;
pub use super::{Check, CheckDoc, Context};
pub use crate::finding::{Cause, Finding, Severity, Step};
pub use crate::i18n::Text;
pub use crate::inventory::{
    CertificateStatus, CertificateType, Inventory, ListenerProtocol, Scheme, ViewerProtocolPolicy,
};
pub use crate::probe::HostFacts;
pub use crate::{label, tr};
