//! Enum values as the schema spells them. The one table of each enum's wire names is
//! its `#[derive(Enum)]` (async-graphql's [`EnumType::items`], which the general
//! path writes from); compiled plans and the `gtin` CLI's JSON read that same table
//! here, so a renamed or added value cannot drift between them.

use async_graphql::EnumType;

/// The name the schema gives `value`; `None` only if the derive left a variant
/// out, which it does not (callers give up rather than guess).
pub(crate) fn wire_name<E: EnumType>(value: E) -> Option<&'static str> {
    E::items()
        .iter()
        .find(|item| item.value == value)
        .map(|item| item.name)
}

/// Serializes `value` by its wire name (the `Serialize` impls of schema enums).
pub(crate) fn serialize<E: EnumType, S: serde::Serializer>(
    value: E,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match wire_name(value) {
        Some(name) => serializer.serialize_str(name),
        None => Err(serde::ser::Error::custom("an enum value without a name")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::gtin_info::{GtinFormatName, GtinKind};

    #[test]
    fn a_value_is_named_as_the_schema_names_it() {
        assert_eq!(wire_name(GtinFormatName::Gtin13), Some("GTIN_13"));
        assert_eq!(
            wire_name(GtinKind::RcnVariableMeasure),
            Some("RCN_VARIABLE_MEASURE")
        );
    }

    #[test]
    fn the_cli_json_spells_enums_as_the_schema_does() {
        let json = serde_json::to_string(&[GtinKind::Isbn10, GtinKind::UpcE]).unwrap_or_default();
        assert_eq!(json, r#"["ISBN_10","UPC_E"]"#);
    }
}
