//! GS1 primary keys and their key qualifiers (GS1 Digital Link standard §4; the
//! `dlpkey` attributes of the GS1 Barcode Syntax Dictionary at the commit `ai_table.rs`
//! names): which AI identifies what a code names, which AIs may qualify it in a
//! Digital Link path, and in what order.
//!
//! Only AI (01), the GTIN, names a trade item the catalog can look up; every other
//! key (an SSCC, a GLN, a GRAI …) is read and described, and the gateway says it is
//! not a trade item. Kept apart from the AI table because the table says what a value
//! looks like and this says how keys and qualifiers combine.

/// One primary key: its AI, GS1's full name, what it identifies, and its qualifier
/// sequences (`dlpkey=22,10,21|235`: two alternatives; within one, any subset in order).
struct KeyRow {
    ai: &'static str,
    name: &'static str,
    identifies: &'static str,
    qualifiers: &'static [&'static [&'static str]],
}

/// Every Digital Link primary key of the dictionary (the rows `ai_table.rs` flags
/// `dl_primary_key`), sorted by AI.
const KEYS: &[KeyRow] = &[
    KeyRow {
        ai: "00",
        name: "Serial Shipping Container Code (SSCC)",
        identifies: "a logistic unit",
        qualifiers: &[],
    },
    KeyRow {
        ai: "01",
        name: "Global Trade Item Number (GTIN)",
        identifies: "a trade item",
        qualifiers: &[&["22", "10", "21"], &["235"]],
    },
    KeyRow {
        ai: "253",
        name: "Global Document Type Identifier (GDTI)",
        identifies: "a document",
        qualifiers: &[],
    },
    KeyRow {
        ai: "255",
        name: "Global Coupon Number (GCN)",
        identifies: "a coupon",
        qualifiers: &[],
    },
    KeyRow {
        ai: "401",
        name: "Global Identification Number for Consignment (GINC)",
        identifies: "a consignment",
        qualifiers: &[],
    },
    KeyRow {
        ai: "402",
        name: "Global Shipment Identification Number (GSIN)",
        identifies: "a shipment",
        qualifiers: &[],
    },
    KeyRow {
        ai: "414",
        name: "Global Location Number (GLN) of a physical location",
        identifies: "a location",
        qualifiers: &[&["254"], &["7040"]],
    },
    KeyRow {
        ai: "415",
        name: "Global Location Number (GLN) of the invoicing party",
        identifies: "a party to pay",
        qualifiers: &[&["8020"]],
    },
    KeyRow {
        ai: "417",
        name: "Global Location Number (GLN) of a party",
        identifies: "a party",
        qualifiers: &[&["7040"]],
    },
    KeyRow {
        ai: "8003",
        name: "Global Returnable Asset Identifier (GRAI)",
        identifies: "a returnable asset",
        qualifiers: &[],
    },
    KeyRow {
        ai: "8004",
        name: "Global Individual Asset Identifier (GIAI)",
        identifies: "an individual asset",
        qualifiers: &[&["7040"]],
    },
    KeyRow {
        ai: "8006",
        name: "Identification of an Individual Trade Item Piece (ITIP)",
        identifies: "one piece of a multi-piece trade item",
        qualifiers: &[&["22", "10", "21"]],
    },
    KeyRow {
        ai: "8010",
        name: "Component / Part Identifier (CPID)",
        identifies: "a component or part",
        qualifiers: &[&["8011"]],
    },
    KeyRow {
        ai: "8013",
        name: "Global Model Number (GMN)",
        identifies: "a product model",
        qualifiers: &[],
    },
    KeyRow {
        ai: "8017",
        name: "Global Service Relation Number (GSRN) of a provider",
        identifies: "a service provider",
        qualifiers: &[&["8019"]],
    },
    KeyRow {
        ai: "8018",
        name: "Global Service Relation Number (GSRN) of a recipient",
        identifies: "a service recipient",
        qualifiers: &[&["8019"]],
    },
];

fn row(ai: &str) -> Option<&'static KeyRow> {
    KEYS.iter().find(|k| k.ai == ai)
}

/// True when `ai` is a GS1 primary key.
pub(crate) fn is_primary_key(ai: &str) -> bool {
    row(ai).is_some()
}

/// GS1's full name of key `ai` (`"Serial Shipping Container Code (SSCC)"`).
pub(crate) fn name(ai: &str) -> Option<&'static str> {
    row(ai).map(|k| k.name)
}

/// What key `ai` identifies, in words (`"a logistic unit"`).
pub(crate) fn identifies(ai: &str) -> Option<&'static str> {
    row(ai).map(|k| k.identifies)
}

/// True when `qualifiers`, in this order, may follow key `key` in a Digital Link path:
/// an ordered subset of one of the key's qualifier sequences.
#[cfg(test)]
pub(crate) fn is_valid_path(key: &str, qualifiers: &[&str]) -> bool {
    is_valid_sequence(key, qualifiers.iter().copied())
}

/// [`is_valid_path`] over any iterator of AIs, so a caller can try an AI at each
/// place of a path without building one.
pub(crate) fn is_valid_sequence<'a>(
    key: &str,
    qualifiers: impl Iterator<Item = &'a str> + Clone,
) -> bool {
    let Some(k) = row(key) else {
        return false;
    };
    if qualifiers.clone().next().is_none() {
        return true;
    }
    k.qualifiers.iter().any(|sequence| {
        let mut rest = sequence.iter();
        qualifiers.clone().all(|q| rest.any(|s| *s == q))
    })
}

/// True when `ai` is one of key `key`'s qualifiers in any of its sequences.
pub(crate) fn is_qualifier_of(key: &str, ai: &str) -> bool {
    row(key).is_some_and(|k| k.qualifiers.iter().any(|s| s.contains(&ai)))
}

/// The qualifier sequences of `key`, as GS1 writes them (`22, 10, 21 or 235`), for messages.
pub(crate) fn qualifiers_text(key: &str) -> String {
    let Some(k) = row(key) else {
        return String::new();
    };
    if k.qualifiers.is_empty() {
        return "none".to_owned();
    }
    k.qualifiers
        .iter()
        .map(|s| s.join(", "))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai;

    #[test]
    fn the_keys_are_the_tables_primary_keys_and_their_qualifiers_are_ais() {
        let flagged: Vec<&str> = crate::ai_table::AI_TABLE
            .iter()
            .filter(|e| e.dl_primary_key)
            .map(|e| e.ai)
            .collect();
        let listed: Vec<&str> = KEYS.iter().map(|k| k.ai).collect();
        assert_eq!(flagged, listed);
        for k in KEYS {
            for q in k.qualifiers.iter().flat_map(|s| s.iter()) {
                assert!(ai::lookup(q).is_some(), "{} qualifier {q}", k.ai);
            }
        }
    }

    #[test]
    fn qualifier_paths_are_ordered_subsets_of_one_sequence() {
        assert!(is_valid_path("01", &[]));
        assert!(is_valid_path("01", &["22", "10", "21"]));
        assert!(is_valid_path("01", &["10", "21"]));
        assert!(is_valid_path("01", &["22", "21"]));
        assert!(is_valid_path("01", &["235"]));
        assert!(!is_valid_path("01", &["21", "10"]));
        assert!(!is_valid_path("01", &["10", "235"]));
        assert!(!is_valid_path("01", &["10", "10"]));
        assert!(!is_valid_path("01", &["99"]));
        assert!(is_valid_path("414", &["254"]));
        assert!(!is_valid_path("414", &["254", "7040"]));
        assert!(is_valid_path("00", &[]));
        assert!(!is_valid_path("00", &["10"]));
        assert!(!is_valid_path("02", &[]));
        assert_eq!(qualifiers_text("01"), "22, 10, 21 or 235");
        assert_eq!(qualifiers_text("00"), "none");
    }
}
