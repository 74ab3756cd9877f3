//! A small, strict parser and evaluator for the commercetools Query Predicates a
//! product lookup sends, so the commercetools dialect can answer `where=` as the
//! real API does and refuse what it cannot read with its `400 InvalidInput`.
//!
//! Followed: docs.commercetools.com/api/predicates/query (fields descend with
//! parentheses, strings in double quotes, `=` and `in (…)`, `and`, `or`) and the
//! 2025-04-25 release note (an attribute predicate names the attribute:
//! `variants(attributes(name = "gtin" and value in ("…")))`). Accepted:
//!
//! ```text
//! predicate := term ("or" term)*
//! term      := "(" predicate ")" | ("key" | "id") values
//!            | ("masterVariant" | "variants") "(" variant ")"
//! variant   := "(" variant ")" | ("sku" | "key") values
//!            | "attributes" "(" "name" "=" string "and" "value" values ")"
//! values    := "=" string | "in" "(" string ("," string)* ")"
//! ```
//!
//! (the two halves of the attribute condition in either order; `\"` and `\\`
//! escape inside strings). Anything else, valid commercetools or not, is refused.

use super::commercetools_product::{AttributeValue, Projection, Variant};

/// A parsed predicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Predicate {
    /// Any of these holds (`or`).
    Any(Vec<Predicate>),
    /// The product's `key` is one of these.
    ProductKey(Vec<String>),
    /// The product's `id` is one of these.
    ProductId(Vec<String>),
    /// The master variant (`master`) or one of the other variants meets `condition`.
    Variant { master: bool, condition: Condition },
}

/// A condition on one variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Condition {
    /// `sku` is one of these.
    Sku(Vec<String>),
    /// `key` is one of these.
    Key(Vec<String>),
    /// The attribute `name` has one of these (text) values.
    Attribute { name: String, values: Vec<String> },
}

/// What a predicate reads of a product projection.
pub(super) trait Searchable {
    type Variant: SearchableVariant;
    fn key(&self) -> Option<&str>;
    fn id(&self) -> Option<&str>;
    fn master_variant(&self) -> Option<&Self::Variant>;
    fn variants(&self) -> &[Self::Variant];
}

/// What a predicate reads of a variant.
pub(super) trait SearchableVariant {
    fn sku(&self) -> Option<&str>;
    fn key(&self) -> Option<&str>;
    /// Whether the variant's attribute `name` holds one of `values` as text.
    fn has_text_attribute(&self, name: &str, values: &[String]) -> bool;
}

impl Searchable for Projection {
    type Variant = Variant;
    fn key(&self) -> Option<&str> {
        Some(&self.key)
    }
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
    fn master_variant(&self) -> Option<&Variant> {
        Some(&self.master_variant)
    }
    fn variants(&self) -> &[Variant] {
        &self.variants
    }
}

impl SearchableVariant for Variant {
    fn sku(&self) -> Option<&str> {
        Some(&self.sku)
    }
    fn key(&self) -> Option<&str> {
        Some(&self.key)
    }
    fn has_text_attribute(&self, name: &str, values: &[String]) -> bool {
        self.attributes.iter().any(|a| {
            a.name == name
                && matches!(&a.value, AttributeValue::Text(text) if values.contains(text))
        })
    }
}

impl Predicate {
    /// Whether the product projection `product` satisfies it.
    pub(super) fn matches<P: Searchable>(&self, product: &P) -> bool {
        let text_in =
            |value: Option<&str>, set: &[String]| value.is_some_and(|v| set.iter().any(|s| s == v));
        match self {
            Predicate::Any(terms) => terms.iter().any(|term| term.matches(product)),
            Predicate::ProductKey(keys) => text_in(product.key(), keys),
            Predicate::ProductId(ids) => text_in(product.id(), ids),
            Predicate::Variant { master, condition } => {
                let meets = |variant: &P::Variant| match condition {
                    Condition::Sku(skus) => text_in(variant.sku(), skus),
                    Condition::Key(keys) => text_in(variant.key(), keys),
                    Condition::Attribute { name, values } => {
                        variant.has_text_attribute(name, values)
                    }
                };
                if *master {
                    product.master_variant().is_some_and(meets)
                } else {
                    product.variants().iter().any(meets)
                }
            }
        }
    }

    /// Every literal the predicate compares with: where to look for candidates.
    pub(super) fn literals(&self) -> Vec<&str> {
        match self {
            Predicate::Any(terms) => terms.iter().flat_map(Predicate::literals).collect(),
            Predicate::ProductKey(v) | Predicate::ProductId(v) => {
                v.iter().map(String::as_str).collect()
            }
            Predicate::Variant { condition, .. } => match condition {
                Condition::Sku(v) | Condition::Key(v) | Condition::Attribute { values: v, .. } => {
                    v.iter().map(String::as_str).collect()
                }
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
    Comma,
    Equals,
    End,
}

/// Parses `text`; the error is the message of commercetools' `400 InvalidInput`.
pub(super) fn parse(text: &str) -> Result<Predicate, String> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
    };
    let predicate = parser.predicate()?;
    parser.expect(&Token::End, "'or' or end of input")?;
    Ok(predicate)
}

/// Tokens with the 1-based column each starts at.
fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (c, column) = (chars[i], i + 1);
        let token = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => Token::Open,
            ')' => Token::Close,
            ',' => Token::Comma,
            '=' => Token::Equals,
            '"' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax("end of input", "'\"'", i + 1)),
                        Some('"') => break,
                        Some('\\') => match chars.get(i + 1) {
                            Some(&e @ ('"' | '\\')) => {
                                value.push(e);
                                i += 1;
                            }
                            _ => return Err(syntax("\\", "'\\\"' or '\\\\'", i + 1)),
                        },
                        Some(&other) => value.push(other),
                    }
                    i += 1;
                }
                Token::Text(value)
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while chars
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    i += 1;
                }
                Token::Word(chars[start..=i].iter().collect())
            }
            other => {
                return Err(syntax(
                    &other.to_string(),
                    "a field, '(' or a string",
                    column,
                ));
            }
        };
        tokens.push((token, column));
        i += 1;
    }
    tokens.push((Token::End, chars.len() + 1));
    Ok(tokens)
}

fn syntax(found: &str, expected: &str, column: usize) -> String {
    format!(
        "Malformed parameter: where: Syntax error while parsing 'where'. Invalid input '{found}', \
         expected {expected} (line 1, column {column})"
    )
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        self.tokens.get(self.at).map_or(&Token::End, |(t, _)| t)
    }

    fn fail<T>(&self, expected: &str) -> Result<T, String> {
        let (token, column) = self.tokens.get(self.at).cloned().unwrap_or((Token::End, 0));
        let found = match token {
            Token::Word(w) => w,
            Token::Text(t) => format!("\"{t}\""),
            Token::Open => "(".into(),
            Token::Close => ")".into(),
            Token::Comma => ",".into(),
            Token::Equals => "=".into(),
            Token::End => "end of input".into(),
        };
        Err(syntax(&found, expected, column))
    }

    fn expect(&mut self, token: &Token, expected: &str) -> Result<(), String> {
        if self.peek() == token {
            self.at += 1;
            Ok(())
        } else {
            self.fail(expected)
        }
    }

    fn word(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Token::Word(w) if w == word);
        self.at += usize::from(found);
        found
    }

    fn predicate(&mut self) -> Result<Predicate, String> {
        let mut terms = vec![self.term()?];
        while self.word("or") {
            terms.push(self.term()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Predicate::Any(terms)
        })
    }

    fn term(&mut self) -> Result<Predicate, String> {
        if self.peek() == &Token::Open {
            self.at += 1;
            let inner = self.predicate()?;
            self.expect(&Token::Close, "')' or 'or'")?;
            return Ok(inner);
        }
        for (field, master) in [("masterVariant", true), ("variants", false)] {
            if self.word(field) {
                self.expect(&Token::Open, "'('")?;
                let condition = self.condition()?;
                self.expect(&Token::Close, "')'")?;
                return Ok(Predicate::Variant { master, condition });
            }
        }
        if self.word("key") {
            return Ok(Predicate::ProductKey(self.values()?));
        }
        if self.word("id") {
            return Ok(Predicate::ProductId(self.values()?));
        }
        self.fail("'masterVariant', 'variants', 'key', 'id' or '('")
    }

    fn condition(&mut self) -> Result<Condition, String> {
        if self.peek() == &Token::Open {
            self.at += 1;
            let inner = self.condition()?;
            self.expect(&Token::Close, "')'")?;
            return Ok(inner);
        }
        if self.word("sku") {
            return Ok(Condition::Sku(self.values()?));
        }
        if self.word("key") {
            return Ok(Condition::Key(self.values()?));
        }
        if !self.word("attributes") {
            return self.fail("'sku', 'key' or 'attributes'");
        }
        self.expect(&Token::Open, "'('")?;
        let (mut name, mut values) = (None, None);
        for half in 0..2 {
            if half == 1 && !self.word("and") {
                return self.fail("'and'");
            }
            if name.is_none() && self.word("name") {
                self.expect(&Token::Equals, "'='")?;
                name = Some(self.text()?);
            } else if values.is_none() && self.word("value") {
                values = Some(self.values()?);
            } else {
                return self.fail(if name.is_none() { "'name'" } else { "'value'" });
            }
        }
        self.expect(&Token::Close, "')'")?;
        match (name, values) {
            (Some(name), Some(values)) => Ok(Condition::Attribute { name, values }),
            _ => self.fail("'name' and 'value'"),
        }
    }

    fn values(&mut self) -> Result<Vec<String>, String> {
        if self.peek() == &Token::Equals {
            self.at += 1;
            return Ok(vec![self.text()?]);
        }
        if !self.word("in") {
            return self.fail("'=' or 'in'");
        }
        self.expect(&Token::Open, "'('")?;
        let mut values = Vec::new();
        loop {
            values.push(self.text()?);
            match self.peek() {
                Token::Comma => self.at += 1,
                Token::Close => {
                    self.at += 1;
                    return Ok(values);
                }
                _ => return self.fail("',' or ')'"),
            }
        }
    }

    /// A string literal (the position stays on anything else, for the message).
    fn text(&mut self) -> Result<String, String> {
        match self.peek().clone() {
            Token::Text(text) => {
                self.at += 1;
                Ok(text)
            }
            _ => self.fail("a string"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// Hand-written commercetools JSON, read as the API's documents name it.
    impl Searchable for Value {
        type Variant = Value;
        fn key(&self) -> Option<&str> {
            self["key"].as_str()
        }
        fn id(&self) -> Option<&str> {
            self["id"].as_str()
        }
        fn master_variant(&self) -> Option<&Value> {
            self.get("masterVariant")
        }
        fn variants(&self) -> &[Value] {
            self["variants"].as_array().map_or(&[], Vec::as_slice)
        }
    }

    impl SearchableVariant for Value {
        fn sku(&self) -> Option<&str> {
            self["sku"].as_str()
        }
        fn key(&self) -> Option<&str> {
            self["key"].as_str()
        }
        fn has_text_attribute(&self, name: &str, values: &[String]) -> bool {
            self["attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| {
                    a["name"] == name
                        && a["value"]
                            .as_str()
                            .is_some_and(|v| values.iter().any(|s| s == v))
                })
        }
    }

    #[test]
    fn the_sku_lookup_parses_and_matches_either_variant() {
        let p =
            parse(r#"masterVariant(sku in ("a", "b")) or variants(sku in ("a", "b"))"#).unwrap();
        let product = json!({"masterVariant": {"sku": "x"}, "variants": [{"sku": "b"}]});
        assert!(p.matches(&product));
        assert!(!p.matches(&json!({"masterVariant": {"sku": "x"}, "variants": []})));
        assert_eq!(p.literals(), ["a", "b", "a", "b"]);
    }

    #[test]
    fn the_gtin_attribute_lookup_parses_in_either_order_with_escapes() {
        let p = parse(r#"variants(attributes(value = "0\"1" and name = "gtin"))"#).unwrap();
        assert_eq!(
            p,
            Predicate::Variant {
                master: false,
                condition: Condition::Attribute {
                    name: "gtin".into(),
                    values: vec!["0\"1".into()]
                }
            }
        );
        let p = parse(r#"masterVariant(attributes(name="gtin" and value in ("00036000291452")))"#)
            .unwrap();
        let product =
            json!({"masterVariant": {"attributes": [{"name": "gtin", "value": "00036000291452"}]}});
        assert!(p.matches(&product));
    }

    #[test]
    fn malformed_or_unsupported_predicates_are_refused_with_a_position() {
        for (text, column) in [
            (r#"masterVariant(sku in ("a")"#, 27),
            (r#"masterVariant(sku in ("a",))"#, 27),
            (r#"masterVariant(sku == "a")"#, 20),
            (r#"name(en = "x")"#, 1),
            (r#"variants(attributes(value = "x"))"#, 32),
            (r#"variants(sku = "a") and key = "b""#, 21),
            (r#"variants(sku = "a"#, 18),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.starts_with("Malformed parameter: where: "), "{error}");
            assert!(
                error.ends_with(&format!("column {column})")),
                "{text}: {error}"
            );
        }
    }
}
