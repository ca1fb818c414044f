//! Comparison of secrets in time that does not depend on where they differ.

/// True when `a` and `b` are equal; takes the same time for any two
/// inputs of one length.
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
