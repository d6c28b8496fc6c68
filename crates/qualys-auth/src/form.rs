//! `application/x-www-form-urlencoded`, encoded exactly once.

/// Encodes `pairs` as a form body: unreserved characters (`A-Z a-z 0-9 - . _ ~`) kept, space as
/// `+`, every other byte as `%XX`.
pub(crate) fn encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        push_encoded(&mut out, k);
        out.push('=');
        push_encoded(&mut out, v);
    }
    out
}

fn push_encoded(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xF) as usize] as char);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn special_characters_are_encoded_once() {
        assert_eq!(
            super::encode(&[
                ("username", "alice"),
                ("password", "p@ss+w%rd&1=# é"),
                ("token", "true")
            ]),
            "username=alice&password=p%40ss%2Bw%25rd%261%3D%23+%C3%A9&token=true"
        );
    }
}
