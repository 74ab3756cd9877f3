//! The GTIN budget of one operation (`--max-gtins-per-query`): every `product`, every
//! `products` entry, every `lookups` line and every `_entities` representation of one
//! operation (all its fields and aliases) draws on one count; past the maximum the
//! field that overdraws it is TOO_MANY_GTINS. Resolvers spend it field by field
//! through the request's [`RequestScope`]; a compiled plan adds up its whole operation
//! first and asks the same question here (and gives an operation over budget back to
//! the general path, which words the error).

use async_graphql::Error;

use super::errors;
use super::request_scope::RequestScope;
use super::settings::GraphqlSettings;

/// What one operation may spend.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GtinBudget {
    max: usize,
}

impl GtinBudget {
    /// The budget `settings` give every operation.
    pub(crate) fn of(settings: &GraphqlSettings) -> GtinBudget {
        GtinBudget {
            max: settings.max_gtins_per_query,
        }
    }

    /// Spends `asked` more GTINs of the operation `scope` belongs to (with no scope,
    /// the field is counted alone): TOO_MANY_GTINS when the operation's total is over.
    pub(crate) fn spend(&self, scope: Option<&RequestScope>, asked: usize) -> Result<(), Error> {
        let total = scope.map_or(asked, |scope| scope.spend(asked));
        if self.admits(total) {
            Ok(())
        } else {
            Err(errors::too_many_gtins(total, self.max))
        }
    }

    /// Whether an operation asking for `total` GTINs in all is within the budget.
    pub(crate) fn admits(&self, total: usize) -> bool {
        total <= self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(max: usize) -> GtinBudget {
        GtinBudget { max }
    }

    #[test]
    fn an_operation_may_spend_exactly_its_budget() {
        let scope = RequestScope::default();
        assert!(budget(3).spend(Some(&scope), 2).is_ok());
        assert!(budget(3).spend(Some(&scope), 1).is_ok());
        assert!(budget(3).admits(3));
    }

    #[test]
    fn the_field_that_overdraws_the_budget_is_too_many_gtins() {
        let scope = RequestScope::default();
        assert!(budget(3).spend(Some(&scope), 3).is_ok());
        let error = budget(3).spend(Some(&scope), 1).err();
        let code = error
            .and_then(|error| error.extensions)
            .and_then(|extensions| extensions.get("code").cloned());
        assert_eq!(code, Some(async_graphql::Value::from("TOO_MANY_GTINS")));
        assert!(!budget(3).admits(4));
    }
}
