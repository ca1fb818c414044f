//! The scheme and address of an absolute http(s) URL, read as browsers
//! read them: the scheme in any case. Config, the CSRF check and the
//! plain-HTTP redirect all ask this of a URL.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// "HTTPS://Host:8443/path" → (Https, "Host:8443"); None when not http(s).
pub fn scheme_and_host(url: &str) -> Option<(Scheme, &str)> {
    [("https://", Scheme::Https), ("http://", Scheme::Http)].into_iter().find_map(|(prefix, scheme)| {
        let start = url.get(..prefix.len()).filter(|start| start.eq_ignore_ascii_case(prefix))?;
        let rest = &url[start.len()..];
        Some((scheme, rest.split(['/', '?', '#']).next().unwrap_or(rest)))
    })
}

/// Whether `url` is an https:// address.
pub fn is_https(url: &str) -> bool {
    scheme_and_host(url).is_some_and(|(scheme, _)| scheme == Scheme::Https)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scheme_and_host_in_any_case() {
        assert_eq!(scheme_and_host("HTTPS://Usnumhub.example:8443/a?b"), Some((Scheme::Https, "Usnumhub.example:8443")));
        assert_eq!(scheme_and_host("http://10.0.0.5:3000"), Some((Scheme::Http, "10.0.0.5:3000")));
        assert_eq!(scheme_and_host("https://h.example#x"), Some((Scheme::Https, "h.example")));
        assert_eq!(scheme_and_host("ftp://h.example"), None);
        assert_eq!(scheme_and_host("https:/h.example"), None);
        assert_eq!(scheme_and_host("null"), None);
        assert!(is_https("hTTps://h.example") && !is_https("http://h.example"));
    }
}
