//! Open-ended vendor codes: license codes and key types.
//!
//! Both are matched case-insensitively (and legacy spellings are understood), while the text the vendor
//! sent is kept and written back unchanged.

use std::fmt;
use std::str::FromStr;

/// Defines a code enum (with `Other(String)`) and a wrapper that keeps the original spelling.
macro_rules! tolerant_code {
    (
        $(#[$wm:meta])* wrapper $wrapper:ident;
        $(#[$km:meta])* kind $kind:ident {
            $( $(#[$vm:meta])* $variant:ident => $canon:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$km])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $kind {
            $( $(#[$vm])* $variant, )+
            /// A code this version of the crate does not know, exactly as received.
            Other(String),
        }

        impl $kind {
            /// The spelling this crate sends for the code (the vendor's documented one).
            pub fn canonical(&self) -> &str {
                match self {
                    $( Self::$variant => $canon, )+
                    Self::Other(s) => s,
                }
            }

            /// Recognises a code case-insensitively, legacy spellings included; never fails.
            pub fn parse(text: &str) -> Self {
                let t = text.trim();
                $(
                    if t.eq_ignore_ascii_case($canon) $(|| t.eq_ignore_ascii_case($alias))* {
                        return Self::$variant;
                    }
                )+
                Self::Other(t.to_owned())
            }
        }

        impl fmt::Display for $kind {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.canonical())
            }
        }

        $(#[$wm])*
        #[derive(Debug, Clone)]
        pub struct $wrapper {
            code: $kind,
            text: String,
        }

        impl $wrapper {
            /// The recognised code.
            pub fn code(&self) -> &$kind {
                &self.code
            }

            /// The text as the vendor spelled it (or the canonical spelling for a value built here).
            pub fn as_str(&self) -> &str {
                &self.text
            }
        }

        impl From<$kind> for $wrapper {
            fn from(code: $kind) -> Self {
                let text = code.canonical().to_owned();
                Self { code, text }
            }
        }

        impl FromStr for $wrapper {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self { code: $kind::parse(s), text: s.to_owned() })
            }
        }

        impl From<&str> for $wrapper {
            fn from(s: &str) -> Self {
                Self { code: $kind::parse(s), text: s.to_owned() }
            }
        }

        /// Two values are equal when they name the same code, whatever their spelling (unknown
        /// codes too, compared without case).
        impl PartialEq for $wrapper {
            fn eq(&self, other: &Self) -> bool {
                match (&self.code, &other.code) {
                    ($kind::Other(a), $kind::Other(b)) => a.eq_ignore_ascii_case(b),
                    (a, b) => a == b,
                }
            }
        }
        impl Eq for $wrapper {}

        impl std::hash::Hash for $wrapper {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                match &self.code {
                    $kind::Other(s) => s.to_ascii_uppercase().hash(state),
                    code => code.hash(state),
                }
            }
        }

        impl fmt::Display for $wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.text)
            }
        }

        impl serde::Serialize for $wrapper {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.text)
            }
        }

        impl<'de> serde::Deserialize<'de> for $wrapper {
            /// A string; any other JSON value is kept as its text rather than failing the page.
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = match serde_json::Value::deserialize(d)? {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                Ok(Self { code: $kind::parse(&text), text })
            }
        }
    };
}

tolerant_code! {
    /// A Cloud Agent license code as it appears in a key's `licenses` list.
    ///
    /// ```
    /// use qualys_model::{License, LicenseCode};
    /// let legacy: License = "PC_LICENSE".parse().unwrap();
    /// assert_eq!(legacy.code(), &LicenseCode::Pa);
    /// assert_eq!(legacy.as_str(), "PC_LICENSE");
    /// assert_eq!(License::from(LicenseCode::SwCa).as_str(), "SwCA");
    /// ```
    wrapper License;
    /// The license codes the vendor documents; the list is open-ended, hence [`LicenseCode::Other`].
    kind LicenseCode {
        /// Vulnerability Management (`VM`, legacy `VM_LICENSE`).
        Vm => "VM" | "VM_LICENSE",
        /// Policy Compliance (`PA` in responses; `PC`, legacy `PC_LICENSE`).
        Pa => "PA" | "PC" | "PC_LICENSE",
        /// File Integrity Monitoring.
        Fim => "FIM",
        /// Endpoint Detection and Response.
        Edr => "EDR",
        /// Security Configuration Assessment.
        Sca => "SCA",
        /// Patch Management.
        Pm => "PM",
        /// Cloud Agent Passive Sensor.
        Caps => "CAPS",
        /// Software Composition Analysis (`SwCA`, legacy `SWCA`).
        SwCa => "SwCA",
        /// Multi-vector threat / MTG module.
        Mtg => "MTG",
        /// ISL module.
        Isl => "ISL",
        /// PAF module (added April 2026).
        Paf => "PAF",
        /// Legacy global asset view.
        Gav => "GAV",
        /// Legacy SA module.
        Sa => "SA",
    }
}

tolerant_code! {
    /// The type of an activation key, as the vendor spells it.
    ///
    /// ```
    /// use qualys_model::{KeyType, KeyTypeKind};
    /// let t: KeyType = "UNLIMITED".parse().unwrap();
    /// assert_eq!(t.code(), &KeyTypeKind::Unlimited);
    /// assert_eq!(t.as_str(), "UNLIMITED");
    /// ```
    wrapper KeyType;
    /// The documented key types; unknown ones are kept in [`KeyTypeKind::Other`].
    kind KeyTypeKind {
        /// No limit on agents or time (`Unlimited`, legacy `UNLIMITED`).
        Unlimited => "Unlimited",
        /// Limited number of agents.
        CountLimited => "COUNT_LIMITED",
        /// Limited in time.
        TimeLimited => "TIME_LIMITED",
        /// Limited in agents and time.
        CountTimeLimited => "COUNT_TIME_LIMITED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licenses_are_case_insensitive_and_keep_spelling() {
        let l: Vec<License> =
            serde_json::from_str(r#"["vm","PC","pa","SWCA","SwCA","sca","Brand_New"]"#).unwrap();
        let codes: Vec<_> = l.iter().map(|l| l.code().clone()).collect();
        assert_eq!(
            codes,
            vec![
                LicenseCode::Vm,
                LicenseCode::Pa,
                LicenseCode::Pa,
                LicenseCode::SwCa,
                LicenseCode::SwCa,
                LicenseCode::Sca,
                LicenseCode::Other("Brand_New".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"["vm","PC","pa","SWCA","SwCA","sca","Brand_New"]"#
        );
        assert_eq!(License::from("vm"), License::from(LicenseCode::Vm));
    }

    #[test]
    fn key_types_keep_unknowns() {
        let k: KeyType = serde_json::from_str(r#""Trial""#).unwrap();
        assert_eq!(k.code(), &KeyTypeKind::Other("Trial".into()));
        assert_eq!(serde_json::to_string(&k).unwrap(), r#""Trial""#);
    }
}
