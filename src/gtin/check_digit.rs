//! GS1 mod-10 check digit (GenSpecs §7.9.1, spec R7) over ASCII digits.

/// The mod-10 check digit for an ASCII-digit payload (weights 3,1,3,… from the right).
pub(crate) fn gs1_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// True when the last ASCII digit is the check digit of the ones before it.
pub(crate) fn is_valid_gs1(digits: &[u8]) -> bool {
    match digits.split_last() {
        Some((&check, payload)) => gs1_check_digit(payload) == check - b'0',
        None => false,
    }
}
