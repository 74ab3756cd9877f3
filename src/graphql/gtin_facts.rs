//! Which of a [`GtinInfo`](super::gtin_info::GtinInfo)'s costly fields a reader will
//! look at. Describing a code in full builds a dozen strings (its forms, dates, AIs,
//! primary key); the resolver of `gtin(code:)` and `lookups` wants them all, but a
//! compiled plan knows its selection: a till's basket asking `gtin { gtin14 kind }`
//! should not build and drop ten strings per line it never writes (bench/JOURNAL.md
//! "Session 13": POS CPU per code against basket CPU per product).
//!
//! Fields that cost nothing to fill (`input`, `valid`, `format`, `kind`, `indicator`,
//! `tradeItem`) are always filled; the others only when wanted. A field left out
//! reads as null or `[]`, so a reader must want every field it reads:
//! [`GtinFacts::of_field`] is the one table from field name to facts, and the plan's
//! tests render every `GtinInfo` field alone against the resolver's answer.

/// A set of `GtinInfo` fields to fill (the cheap ones are always filled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GtinFacts(u32);

impl GtinFacts {
    /// Every field: what the resolvers and the CLI describe.
    pub(crate) const ALL: GtinFacts = GtinFacts(u32::MAX);
    /// Only the fields that cost nothing.
    pub(crate) const CHEAP: GtinFacts = GtinFacts(0);

    pub(crate) const GTIN14: GtinFacts = GtinFacts(1);
    pub(crate) const GTIN13: GtinFacts = GtinFacts(1 << 1);
    pub(crate) const UPC_A: GtinFacts = GtinFacts(1 << 2);
    pub(crate) const UPC_E: GtinFacts = GtinFacts(1 << 3);
    pub(crate) const GTIN8: GtinFacts = GtinFacts(1 << 4);
    pub(crate) const LOOKUP_GTIN14: GtinFacts = GtinFacts(1 << 5);
    pub(crate) const GS1_PREFIX: GtinFacts = GtinFacts(1 << 6);
    pub(crate) const VARIABLE_MEASURE: GtinFacts = GtinFacts(1 << 7);
    pub(crate) const WARNINGS: GtinFacts = GtinFacts(1 << 8);
    pub(crate) const APPLICATION_IDENTIFIERS: GtinFacts = GtinFacts(1 << 9);
    pub(crate) const LOT: GtinFacts = GtinFacts(1 << 10);
    pub(crate) const SERIAL: GtinFacts = GtinFacts(1 << 11);
    pub(crate) const EXPIRY_DATE: GtinFacts = GtinFacts(1 << 12);
    pub(crate) const BEST_BEFORE_DATE: GtinFacts = GtinFacts(1 << 13);
    pub(crate) const SELL_BY_DATE: GtinFacts = GtinFacts(1 << 14);
    pub(crate) const PRODUCTION_DATE: GtinFacts = GtinFacts(1 << 15);
    pub(crate) const PACKAGING_DATE: GtinFacts = GtinFacts(1 << 16);
    pub(crate) const NET_WEIGHT_KG: GtinFacts = GtinFacts(1 << 17);
    pub(crate) const PRICE: GtinFacts = GtinFacts(1 << 18);
    pub(crate) const ERROR: GtinFacts = GtinFacts(1 << 19);
    pub(crate) const PRIMARY_KEY: GtinFacts = GtinFacts(1 << 20);

    /// The facts the `GtinInfo` field `name` (as the schema spells it) reads;
    /// `None` for a name `GtinInfo` does not have.
    pub(crate) fn of_field(name: &str) -> Option<GtinFacts> {
        Some(match name {
            "__typename" | "input" | "valid" | "format" | "kind" | "indicator" | "tradeItem" => {
                GtinFacts::CHEAP
            }
            "gtin14" => GtinFacts::GTIN14,
            "gtin13" => GtinFacts::GTIN13,
            "upcA" => GtinFacts::UPC_A,
            "upcE" => GtinFacts::UPC_E,
            "gtin8" => GtinFacts::GTIN8,
            "lookupGtin14" => GtinFacts::LOOKUP_GTIN14,
            "gs1Prefix" => GtinFacts::GS1_PREFIX,
            "variableMeasure" => GtinFacts::VARIABLE_MEASURE,
            "warnings" => GtinFacts::WARNINGS,
            "applicationIdentifiers" => GtinFacts::APPLICATION_IDENTIFIERS,
            "lot" => GtinFacts::LOT,
            "serial" => GtinFacts::SERIAL,
            "expiryDate" => GtinFacts::EXPIRY_DATE,
            "bestBeforeDate" => GtinFacts::BEST_BEFORE_DATE,
            "sellByDate" => GtinFacts::SELL_BY_DATE,
            "productionDate" => GtinFacts::PRODUCTION_DATE,
            "packagingDate" => GtinFacts::PACKAGING_DATE,
            "netWeightKg" => GtinFacts::NET_WEIGHT_KG,
            "price" => GtinFacts::PRICE,
            "error" => GtinFacts::ERROR,
            "primaryKey" => GtinFacts::PRIMARY_KEY,
            // Built from the GTIN-14 and the AIs the code carried.
            "digitalLink" => GtinFacts::GTIN14.and(GtinFacts::APPLICATION_IDENTIFIERS),
            _ => return None,
        })
    }

    /// Both sets.
    pub(crate) const fn and(self, other: GtinFacts) -> GtinFacts {
        GtinFacts(self.0 | other.0)
    }

    /// Whether every fact of `facts` is in this set.
    pub(crate) const fn wants(self, facts: GtinFacts) -> bool {
        self.0 & facts.0 == facts.0
    }

    /// `make()` when `facts` are wanted, else `None` (the field left null).
    pub(crate) fn fill<T>(self, facts: GtinFacts, make: impl FnOnce() -> Option<T>) -> Option<T> {
        if self.wants(facts) { make() } else { None }
    }

    /// `make()` when `facts` are wanted, else empty.
    pub(crate) fn fill_list<T>(self, facts: GtinFacts, make: impl FnOnce() -> Vec<T>) -> Vec<T> {
        if self.wants(facts) {
            make()
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GtinFacts;

    #[test]
    fn every_costly_field_has_a_fact_of_its_own() {
        let costly = [
            "gtin14",
            "gtin13",
            "upcA",
            "upcE",
            "gtin8",
            "lookupGtin14",
            "gs1Prefix",
            "variableMeasure",
            "warnings",
            "applicationIdentifiers",
            "lot",
            "serial",
            "expiryDate",
            "bestBeforeDate",
            "sellByDate",
            "productionDate",
            "packagingDate",
            "netWeightKg",
            "price",
            "error",
            "primaryKey",
        ];
        let facts: Vec<GtinFacts> = costly
            .iter()
            .map(|name| GtinFacts::of_field(name).unwrap_or(GtinFacts::CHEAP))
            .collect();
        for (i, (name, fact)) in costly.iter().zip(&facts).enumerate() {
            assert_ne!(*fact, GtinFacts::CHEAP, "{name}");
            for (other, other_fact) in costly.iter().zip(&facts).skip(i + 1) {
                assert!(!fact.wants(*other_fact), "{name} would fill {other}");
            }
        }
        assert!(GtinFacts::ALL.wants(facts.iter().fold(GtinFacts::CHEAP, |a, f| a.and(*f))));
        assert_eq!(GtinFacts::of_field("nonsense"), None);
    }
}
