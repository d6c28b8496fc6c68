//! Builders and validation for the create and update bodies (the structs are generated).

use crate::{CreateKeyRequest, Date, License, UpdateKeyRequest};

/// The largest agent cap a key may have (and the server's default).
pub const MAX_AGENTS_ALLOWED: u32 = 1_000_000;

/// A request that must not be sent, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {message}")]
#[non_exhaustive]
pub struct RequestError {
    /// The wire name of the offending field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> RequestError {
    RequestError {
        field,
        message: message.into(),
    }
}

fn check_max_agents(n: Option<u32>) -> Result<(), RequestError> {
    match n {
        Some(n) if !(1..=MAX_AGENTS_ALLOWED).contains(&n) => Err(invalid(
            "maxAgentsAllowed",
            format!("{n} is outside 1–1,000,000"),
        )),
        _ => Ok(()),
    }
}

fn check_title(title: &Option<String>) -> Result<(), RequestError> {
    match title {
        Some(t) if t.trim().is_empty() => Err(invalid("title", "it is empty")),
        _ => Ok(()),
    }
}

/// The body of create, built fluently and validated before it is sent.
///
/// ```
/// use qualys_model::{CreateKeyRequest, LicenseCode};
/// let req = CreateKeyRequest::new("linux-golden-image")
///     .max_agents_allowed(500)
///     .expire_date("2027-06-30".parse().unwrap())
///     .license(LicenseCode::Vm)
///     .license(LicenseCode::Pa)
///     .tag(123);
/// req.validate()?;
/// assert_eq!(
///     serde_json::to_string(&req).unwrap(),
///     r#"{"title":"linux-golden-image","expireDate":"2027-06-30","maxAgentsAllowed":500,"licenses":["VM","PA"],"tags":[123]}"#
/// );
/// assert_eq!(
///     CreateKeyRequest::new("x").max_agents_allowed(0).validate().unwrap_err().to_string(),
///     "invalid maxAgentsAllowed: 0 is outside 1–1,000,000"
/// );
/// # Ok::<(), qualys_model::RequestError>(())
/// ```
impl CreateKeyRequest {
    /// A request for a key titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: Some(title.into()),
            ..Self::default()
        }
    }
    /// Sets the network id.
    pub fn network_id(mut self, id: u64) -> Self {
        self.network_id = Some(id);
        self
    }
    /// Sets the expiry date.
    pub fn expire_date(mut self, date: Date) -> Self {
        self.expire_date = Some(date);
        self
    }
    /// Sets the agent cap (1–1,000,000).
    pub fn max_agents_allowed(mut self, n: u32) -> Self {
        self.max_agents_allowed = Some(n);
        self
    }
    /// Adds a license.
    pub fn license(mut self, license: impl Into<License>) -> Self {
        self.licenses
            .get_or_insert_with(Vec::new)
            .push(license.into());
        self
    }
    /// Adds a tag id.
    pub fn tag(mut self, id: u64) -> Self {
        self.tags.get_or_insert_with(Vec::new).push(id);
        self
    }
    /// Checks what the server would refuse, before sending.
    pub fn validate(&self) -> Result<(), RequestError> {
        check_title(&self.title)?;
        check_max_agents(self.max_agents_allowed)
    }
}

/// The body of update (PATCH): only what is set changes.
///
/// ```
/// use qualys_model::{LicenseCode, UpdateKeyRequest};
/// let req = UpdateKeyRequest::new()
///     .remove_expire_date()
///     .unlimited_agents()
///     .add_license(LicenseCode::Edr)
///     .remove_license(LicenseCode::Pm)
///     .apply_to_existing_agents(true);
/// req.validate()?;
/// assert_eq!(
///     serde_json::to_string(&req).unwrap(),
///     r#"{"removeExpireDate":true,"removeMaxAgentsAllowed":true,"applyToExistingAgents":true,"addLicenses":["EDR"],"removeLicenses":["PM"]}"#
/// );
/// assert_eq!(
///     UpdateKeyRequest::new().validate().unwrap_err().to_string(),
///     "invalid request: nothing to update"
/// );
/// # Ok::<(), qualys_model::RequestError>(())
/// ```
impl UpdateKeyRequest {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Renames the key.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
    /// Sets the network id.
    pub fn network_id(mut self, id: u64) -> Self {
        self.network_id = Some(id);
        self
    }
    /// Sets a new expiry date.
    pub fn expire_date(mut self, date: Date) -> Self {
        self.expire_date = Some(date);
        self
    }
    /// Removes the expiry: the key never expires.
    pub fn remove_expire_date(mut self) -> Self {
        self.remove_expire_date = Some(true);
        self
    }
    /// Sets a new agent cap (1–1,000,000).
    pub fn max_agents_allowed(mut self, n: u32) -> Self {
        self.max_agents_allowed = Some(n);
        self
    }
    /// Removes the agent cap.
    pub fn unlimited_agents(mut self) -> Self {
        self.remove_max_agents_allowed = Some(true);
        self
    }
    /// Whether the change applies to agents already installed with the key.
    pub fn apply_to_existing_agents(mut self, apply: bool) -> Self {
        self.apply_to_existing_agents = Some(apply);
        self
    }
    /// Adds a license.
    pub fn add_license(mut self, license: impl Into<License>) -> Self {
        self.add_licenses
            .get_or_insert_with(Vec::new)
            .push(license.into());
        self
    }
    /// Removes a license.
    pub fn remove_license(mut self, license: impl Into<License>) -> Self {
        self.remove_licenses
            .get_or_insert_with(Vec::new)
            .push(license.into());
        self
    }
    /// Checks what the server would refuse, before sending.
    pub fn validate(&self) -> Result<(), RequestError> {
        let changes = self.title.is_some()
            || self.network_id.is_some()
            || self.expire_date.is_some()
            || self.remove_expire_date == Some(true)
            || self.max_agents_allowed.is_some()
            || self.remove_max_agents_allowed == Some(true)
            || self.add_licenses.as_ref().is_some_and(|l| !l.is_empty())
            || self.remove_licenses.as_ref().is_some_and(|l| !l.is_empty());
        if !changes {
            // applyToExistingAgents alone, or removal flags set to false, change nothing.
            return Err(invalid("request", "nothing to update"));
        }
        check_title(&self.title)?;
        check_max_agents(self.max_agents_allowed)?;
        if self.expire_date.is_some() && self.remove_expire_date == Some(true) {
            return Err(invalid(
                "expireDate",
                "cannot both set and remove the expiry",
            ));
        }
        if self.max_agents_allowed.is_some() && self.remove_max_agents_allowed == Some(true) {
            return Err(invalid(
                "maxAgentsAllowed",
                "cannot both set and remove the agent cap",
            ));
        }
        let add = self.add_licenses.as_deref().unwrap_or_default();
        if let Some(both) = self
            .remove_licenses
            .iter()
            .flatten()
            .find(|l| add.contains(l))
        {
            return Err(invalid(
                "addLicenses",
                format!("{both} is both added and removed"),
            ));
        }
        Ok(())
    }
}
