//! Dates as the vendor sends them: zone-less local date-times with 0–9 fractional digits, and plain
//! dates. The raw text is always kept; parsing is offered, never forced.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date, `YYYY-MM-DD`, as sent on create and update (`expireDate`).
///
/// ```
/// use qualys_model::Date;
/// let d: Date = "2027-02-28".parse()?;
/// assert_eq!((d.year(), d.month(), d.day()), (2027, 2, 28));
/// assert_eq!(d.to_string(), "2027-02-28");
/// assert!("2027-02-29".parse::<Date>().is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A validated date.
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, String> {
        if !(1..=12).contains(&month) {
            return Err(format!("month {month} is not 1-12"));
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        let max = days[usize::from(month - 1)];
        if day == 0 || day > max {
            return Err(format!("day {day} is not 1-{max} in {year:04}-{month:02}"));
        }
        Ok(Self { year, month, day })
    }
    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }
    /// The month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }
    /// The day of the month.
    pub fn day(&self) -> u8 {
        self.day
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a date (YYYY-MM-DD)");
        let t = s.trim();
        let mut parts = t.splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4 || m.len() != 2 || d.len() != 2 || !digits(y) || !digits(m) || !digits(d) {
            return Err(bad());
        }
        let num = |p: &str| p.parse::<u16>().map_err(|_| bad());
        let year = i32::from(num(y)?);
        let month = u8::try_from(num(m)?).map_err(|_| bad())?;
        let day = u8::try_from(num(d)?).map_err(|_| bad())?;
        Date::new(year, month, day).map_err(|e| format!("`{s}` is not a valid date: {e}"))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A zone-less local date-time, as parsed from the vendor's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct LocalDateTime {
    /// The date.
    pub date: Date,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
    /// Second, 0–60 (a leap second is accepted).
    pub second: u8,
    /// Nanoseconds, from 0 to 9 fractional digits.
    pub nanosecond: u32,
}

impl LocalDateTime {
    /// The UTC date-time of a Unix timestamp (seconds and nanoseconds).
    ///
    /// ```
    /// use qualys_model::LocalDateTime;
    /// assert_eq!(LocalDateTime::from_unix(0, 0).to_string(), "1970-01-01T00:00:00");
    /// assert_eq!(LocalDateTime::from_unix(1_700_000_000, 5).to_string(), "2023-11-14T22:13:20.000000005");
    /// ```
    pub fn from_unix(secs: i64, nanosecond: u32) -> Self {
        // Days to civil date (proleptic Gregorian), after Howard Hinnant.
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)).clamp(-9999, 9999) as i32;
        LocalDateTime {
            date: Date { year, month, day },
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: (rem % 60) as u8,
            nanosecond: nanosecond.min(999_999_999),
        }
    }
}

impl fmt::Display for LocalDateTime {
    /// `YYYY-MM-DDTHH:MM:SS`, with nine fractional digits when there are nanoseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}T{:02}:{:02}:{:02}",
            self.date, self.hour, self.minute, self.second
        )?;
        if self.nanosecond > 0 {
            write!(f, ".{:09}", self.nanosecond)?;
        }
        Ok(())
    }
}

/// A date-time field exactly as the vendor sent it (`datePurchased`, `expireDate`), with parsing on
/// demand. Serialises back to the same text, so nothing is lost when the vendor changes format.
///
/// ```
/// use qualys_model::VendorDateTime;
/// let t = VendorDateTime::from("2025-09-08T19:43:45.378378608");
/// let p = t.parsed().unwrap();
/// assert_eq!((p.date.year(), p.hour, p.nanosecond), (2025, 19, 378_378_608));
/// assert_eq!(VendorDateTime::from("2025-01-09T18:01:02").parsed().unwrap().nanosecond, 0);
/// assert_eq!(VendorDateTime::from("2027-06-30").date().unwrap().to_string(), "2027-06-30");
/// assert_eq!(VendorDateTime::from("next tuesday").parsed(), None);
/// assert_eq!(VendorDateTime::from("next tuesday").as_str(), "next tuesday");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VendorDateTime {
    raw: String,
}

impl VendorDateTime {
    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The date-time, when the text is `YYYY-MM-DDTHH:MM:SS` with 0–9 fractional digits (a trailing
    /// `Z` is tolerated), or a bare date (midnight).
    pub fn parsed(&self) -> Option<LocalDateTime> {
        let t = self.raw.trim();
        let t = t.strip_suffix('Z').unwrap_or(t);
        let (date, time) = match t.split_once(['T', ' ']) {
            Some((d, time)) => (d, Some(time)),
            None => (t, None),
        };
        let date: Date = date.parse().ok()?;
        let Some(time) = time else {
            return Some(LocalDateTime {
                date,
                hour: 0,
                minute: 0,
                second: 0,
                nanosecond: 0,
            });
        };
        let (hms, frac) = match time.split_once('.') {
            Some((hms, frac)) => (hms, Some(frac)),
            None => (time, None),
        };
        let mut it = hms.split(':');
        let (Some(h), Some(m), Some(s), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return None;
        };
        let two = |p: &str| {
            (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u8>().ok())
                .flatten()
        };
        let (hour, minute, second) = (two(h)?, two(m)?, two(s)?);
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let nanosecond = match frac {
            None => 0,
            Some(f) if f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
                if f.is_empty() {
                    0
                } else {
                    f.parse::<u32>().ok()? * 10u32.pow(9 - f.len() as u32)
                }
            }
            Some(_) => return None,
        };
        Some(LocalDateTime {
            date,
            hour,
            minute,
            second,
            nanosecond,
        })
    }

    /// The date part, when the text parses.
    pub fn date(&self) -> Option<Date> {
        self.parsed().map(|p| p.date)
    }
}

impl std::ops::Deref for VendorDateTime {
    type Target = str;
    fn deref(&self) -> &str {
        &self.raw
    }
}

impl From<&str> for VendorDateTime {
    fn from(s: &str) -> Self {
        Self { raw: s.to_owned() }
    }
}

impl From<String> for VendorDateTime {
    fn from(raw: String) -> Self {
        Self { raw }
    }
}

impl From<Date> for VendorDateTime {
    fn from(d: Date) -> Self {
        Self { raw: d.to_string() }
    }
}

impl fmt::Display for VendorDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Serialize for VendorDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for VendorDateTime {
    /// A string, or any other JSON value kept as its text (an epoch number, say): never an error.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(raw) => Self { raw },
            other => Self {
                raw: other.to_string(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_to_nine_fraction_digits() {
        for (text, nanos) in [
            ("2025-09-08T19:43:45", 0),
            ("2025-09-08T19:43:45.", 0),
            ("2025-09-08T19:43:45.3", 300_000_000),
            ("2025-09-08T19:43:45.378", 378_000_000),
            ("2025-09-08T19:43:45.378378", 378_378_000),
            ("2025-09-08T19:43:45.378378608", 378_378_608),
            ("2025-09-08T19:43:45.378378608Z", 378_378_608),
        ] {
            assert_eq!(
                VendorDateTime::from(text).parsed().map(|p| p.nanosecond),
                Some(nanos),
                "{text}"
            );
        }
        for bad in [
            "2025-09-08T19:43:45.3783786081",
            "2025-13-08T19:43:45",
            "2025-09-08T24:00:00",
            "x",
        ] {
            assert_eq!(VendorDateTime::from(bad).parsed(), None, "{bad}");
        }
    }
}
