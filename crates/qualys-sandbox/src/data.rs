//! The sandbox's keys: the vendor's five sample keys and deterministic generated ones.

use qualys_model::{ActivationKey, Expiry, KeyType, License, SearchPage, VendorDateTime};

/// The vendor's sample search response (from the release note), verbatim.
pub const FIXTURE_SEARCH_RESPONSE: &str = include_str!("../fixtures/seed-search-response.json");

/// The five keys of the vendor's sample search response, with their exact field values.
pub fn fixture_keys() -> Vec<ActivationKey> {
    serde_json::from_str::<SearchPage>(FIXTURE_SEARCH_RESPONSE)
        .map(|p| p.content)
        .unwrap_or_default()
}

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Ada", "Grace", "Linus", "Margaret", "Ken", "Zoë", "José", "Aiko",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Torvalds", "Hamilton", "Thompson", "Müller", "Núñez", "Tanaka",
];
const WORDS: &[&str] = &[
    "linux-golden-image",
    "windows-servers",
    "k8s-nodes",
    "dmz",
    "build-agents",
    "laptops",
    "café-pos",
    "東京-datacenter",
    "Zürich-office",
    "edge-🔑",
    "legacy",
    "lab",
];
const LICENSES: &[&str] = &[
    "VM", "PA", "FIM", "EDR", "PM", "SCA", "SwCA", "CAPS", "MTG", "PAF",
];

/// The first id of generated keys (above the fixture keys' ids).
pub const GENERATED_ID_BASE: u64 = 700_000_000;

/// `n` generated keys, the same for the same `seed`. Titles are unique; some hold accents, CJK or
/// emoji; dates carry 0 to 9 fractional digits; about one in five expires, one in ten is disabled.
pub fn generate_keys(n: usize, seed: u64) -> Vec<ActivationKey> {
    let mut rng = Rng(seed);
    (0..n).map(|i| generated_key(i as u64, &mut rng)).collect()
}

/// A GUID-like activation key derived from a key id (for keys created in the sandbox).
pub(crate) fn activation_key_for(id: u64) -> String {
    let mut rng = Rng(id ^ 0x005E_ED0F_AC71_7A7E);
    guid(&mut rng)
}

fn guid(rng: &mut Rng) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        rng.next() as u32,
        rng.next() as u16,
        rng.next() as u16,
        rng.next() as u16,
        rng.next() & 0xFFFF_FFFF_FFFF
    )
}

fn generated_key(i: u64, rng: &mut Rng) -> ActivationKey {
    let mut key = ActivationKey::new(GENERATED_ID_BASE + i);
    key.title = Some(format!("{}-{i:07}", rng.pick(WORDS)));
    key.activation_key = Some(guid(rng));
    key.count_used = Some(rng.below(40));
    let limited = rng.below(3) == 0;
    key.count_purchased = Some(if limited { 50 + rng.below(950) } else { 0 });
    let digits = rng.below(10) as usize;
    let frac = if digits == 0 {
        String::new()
    } else {
        let nanos = format!("{:09}", rng.below(1_000_000_000));
        format!(".{}", &nanos[..digits])
    };
    key.date_purchased = Some(VendorDateTime::from(format!(
        "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}{frac}",
        23 + rng.below(3),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )));
    key.first_name = Some((*rng.pick(FIRST)).to_owned());
    key.last_name = Some((*rng.pick(LAST)).to_owned());
    key.user_name = Some(format!("user{:02}", rng.below(20)));
    key.key_type = Some(KeyType::from(if limited {
        "COUNT_LIMITED"
    } else {
        "Unlimited"
    }));
    key.is_disabled = Some(rng.below(10) == 0);
    key.expire_date = Some(if rng.below(5) == 0 {
        Expiry::On(VendorDateTime::from(format!(
            "2027-{:02}-{:02}",
            1 + rng.below(12),
            1 + rng.below(28)
        )))
    } else {
        Expiry::Never
    });
    let mut licenses: Vec<License> = LICENSES
        .iter()
        .filter(|_| rng.below(3) == 0)
        .map(|l| License::from(*l))
        .collect();
    licenses.dedup();
    key.licenses = Some(licenses);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_keys_are_the_vendors() {
        let keys = fixture_keys();
        assert_eq!(keys.len(), 5);
        assert_eq!(
            keys.iter().map(|k| k.id).collect::<Vec<_>>(),
            [12345678, 23456789, 34567891, 456789123, 567891234]
        );
    }

    #[test]
    fn generation_is_deterministic_and_titles_unique() {
        let a = generate_keys(500, 7);
        assert_eq!(a, generate_keys(500, 7));
        assert_ne!(a, generate_keys(500, 8));
        let titles: std::collections::HashSet<_> = a.iter().map(|k| k.title.clone()).collect();
        assert_eq!(titles.len(), 500);
    }
}
