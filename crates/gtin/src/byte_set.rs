//! Sets of bytes written as the string of their members and tested by one table
//! lookup: the character classes of URIs and of GS1 values. `<[u8]>::contains` on the
//! string would call `memchr` once per character tested (16 % of a Digital Link's
//! reading in a profile: bench/JOURNAL.md, "Session 25"), and a `matches!` chain
//! spells each set out a byte a line.

/// A set of bytes.
pub(crate) struct ByteSet([bool; 256]);

impl ByteSet {
    /// The bytes of `members`.
    pub(crate) const fn of(members: &[u8]) -> ByteSet {
        let mut table = [false; 256];
        let mut i = 0;
        while i < members.len() {
            table[members[i] as usize] = true;
            i += 1;
        }
        ByteSet(table)
    }

    /// The bytes of `members` and the ASCII letters and digits.
    pub(crate) const fn alphanumeric_and(members: &[u8]) -> ByteSet {
        let mut set = ByteSet::of(members);
        let mut c = 0;
        while c < 128 {
            if (c as u8).is_ascii_alphanumeric() {
                set.0[c] = true;
            }
            c += 1;
        }
        set
    }

    /// Whether `c` is in the set.
    pub(crate) fn contains(&self, c: u8) -> bool {
        self.0.get(usize::from(c)).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_its_members_and_nothing_else() {
        let set = ByteSet::alphanumeric_and(b"-%");
        let members: Vec<u8> = (0..=255).filter(|&c| set.contains(c)).collect();
        let mut expected: Vec<u8> = (b'0'..=b'9')
            .chain(b'A'..=b'Z')
            .chain(b'a'..=b'z')
            .collect();
        expected.extend_from_slice(b"-%");
        expected.sort_unstable();
        assert_eq!(members, expected);
        assert!(!ByteSet::of(b"").contains(0));
    }
}
