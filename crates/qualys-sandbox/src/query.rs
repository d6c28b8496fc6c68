//! The documented query tokens of the activation-key search.

use qualys_model::ActivationKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Term {
    IsDisabled(bool),
    CountPurchased(u64),
    Id(u64),
    Key(String),
}

/// Parses `token:value` terms, separated by whitespace (an `and` between terms is allowed). A space
/// may follow the colon; the `qualys.agent.` prefix is optional; values may be quoted.
pub(crate) fn parse(query: &str) -> Result<Vec<Term>, String> {
    // Join "token: value" into "token:value".
    let mut joined = String::with_capacity(query.len());
    let mut after_colon = false;
    for c in query.chars() {
        if after_colon && c.is_whitespace() {
            continue;
        }
        after_colon = c == ':';
        joined.push(c);
    }
    let mut terms = Vec::new();
    for word in joined.split_whitespace() {
        if word.eq_ignore_ascii_case("and") || word == "&&" {
            continue;
        }
        let Some((name, value)) = word.split_once(':') else {
            return Err(format!(
                "query term `{word}` is not of the form token:value"
            ));
        };
        let name = strip_prefix_ci(name, "qualys.agent.").unwrap_or(name);
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        let term = if name.eq_ignore_ascii_case("activationKey.isDisabled") {
            match value.to_ascii_lowercase().as_str() {
                "true" => Term::IsDisabled(true),
                "false" => Term::IsDisabled(false),
                _ => {
                    return Err(format!(
                        "activationKey.isDisabled expects true or false, got `{value}`"
                    ));
                }
            }
        } else if name.eq_ignore_ascii_case("activationKey.countPurchased") {
            Term::CountPurchased(number(name, value)?)
        } else if name.eq_ignore_ascii_case("activationKey.id") {
            Term::Id(number(name, value)?)
        } else if name.eq_ignore_ascii_case("activationKey") {
            Term::Key(value.to_owned())
        } else {
            return Err(format!("unsupported query token `{name}`"));
        };
        terms.push(term);
    }
    Ok(terms)
}

fn number(name: &str, value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("{name} expects a number, got `{value}`"))
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

pub(crate) fn matches(terms: &[Term], key: &ActivationKey) -> bool {
    terms.iter().all(|t| match t {
        Term::IsDisabled(b) => key.is_disabled.unwrap_or(false) == *b,
        Term::CountPurchased(n) => key.count_purchased.unwrap_or(0) == *n,
        Term::Id(id) => key.id == *id,
        Term::Key(k) => key.activation_key.as_deref() == Some(k.as_str()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_forms() {
        assert_eq!(
            parse("activationKey.isDisabled:false"),
            Ok(vec![Term::IsDisabled(false)])
        );
        assert_eq!(
            parse("activationKey.isDisabled: TRUE"),
            Ok(vec![Term::IsDisabled(true)])
        );
        assert_eq!(
            parse("qualys.agent.activationKey.countPurchased: 0 and activationKey.id:12"),
            Ok(vec![Term::CountPurchased(0), Term::Id(12)])
        );
        assert_eq!(
            parse("activationKey:\"12-ab\""),
            Ok(vec![Term::Key("12-ab".into())])
        );
        assert_eq!(parse("  "), Ok(vec![]));
        assert_eq!(
            parse("title:x"),
            Err("unsupported query token `title`".into())
        );
        assert_eq!(
            parse("activationKey.id:abc"),
            Err("activationKey.id expects a number, got `abc`".into())
        );
        assert_eq!(
            parse("oops"),
            Err("query term `oops` is not of the form token:value".into())
        );
    }
}
