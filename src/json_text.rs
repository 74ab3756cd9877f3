//! JSON strings written straight into a byte buffer, for the hand-written JSON of the
//! request log line (`http::edge::request_log`) and the Redis entry
//! (`cache::codec`). Why not serde_json for every string: almost none of these
//! strings needs escaping, and serde_json sends each through its escaping loop byte
//! by byte; here one check over the whole string decides, and the rare string that
//! needs escaping is still written by serde_json, so the bytes are always its bytes.

/// Appends `text` as a JSON string: copied between quotes when nothing in it needs
/// escaping (no `"`, `\` or control character), else escaped by serde_json.
pub(crate) fn push_string(out: &mut Vec<u8>, text: &str) {
    // A fold without early exit, so the compiler checks 16 or 32 bytes at a time.
    let needs_escaping = text.bytes().fold(false, |found, b| {
        found | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if needs_escaping {
        // serde_json's only error here would be the writer's, and writing into a
        // `Vec` does not fail (it grows).
        let _ = serde_json::to_writer(&mut *out, text);
    } else {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use proptest::prelude::*;

    use super::push_string;

    proptest! {
        /// Any string, escaped or not, after anything already in the buffer: what
        /// serde_json writes for it.
        #[test]
        fn a_string_is_written_as_serde_json_writes_it(
            before in proptest::collection::vec(any::<u8>(), 0..8),
            text in r#"(?s).{0,40}|[ -~"\\\x00-\x1f\u{7f}\u{e9}\u{1f600}]{0,40}"#,
        ) {
            let mut ours = before.clone();
            push_string(&mut ours, &text);
            let mut expected = before;
            expected.extend_from_slice(&serde_json::to_vec(&text).unwrap());
            prop_assert_eq!(ours, expected);
        }
    }
}
