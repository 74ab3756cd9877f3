//! GraphQL documents parsed without pest: the same [`ExecutableDocument`] that
//! async-graphql's `parse_query` gives, positions included, at a fraction of its
//! cost; anything this reader does not accept goes to `parse_query` itself.
//!
//! Why: every request whose text the plan store has not seen is parsed, and a
//! text with its GTINs written in it (a POS basket, a new product per request)
//! is new every time. async-graphql's parser is a pest grammar walked pair by
//! pair; the journal measured it at 11 % of a basket request, 23 % of a cold one
//! and half of a 2 KB aliased document's CPU (217 µs).
//!
//! Why by hand rather than another crate: the answer must be exactly
//! async-graphql's, whose grammar (`graphql.pest`, 7.2.1) departs from the spec
//! where a general parser follows it: `[trueX]` is `[true, X]`, `0123` is two
//! numbers, a type is written without spaces, `on` and its type name are parted
//! by whitespace but no comment, `$a: Int @d = 1` puts directives before the
//! default. A wrapped parser would need a rule for each such place on top of its
//! own grammar; this file is that grammar, rule for rule, as a PEG reads it
//! (ordered choice, an alternative that failed leaves no trace), and
//! async-graphql's own parser is its oracle (`tests.rs`: any document, generated
//! or mangled, that this reader accepts is parsed by `parse_query` into the same
//! nodes at the same line and column).
//!
//! The contract: [`parse_query`] gives what `async_graphql::parser::parse_query`
//! gives, for every text. This reader answers only when it has the whole
//! document; a syntax error, a duplicate name, a selection nested deeper than
//! async-graphql allows, a number serde cannot hold, a nesting deep enough to
//! worry a stack: each makes it hand the text to `parse_query`, so every error
//! (message and position) is async-graphql's own.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::Directive;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, FragmentDefinition, FragmentSpread,
    InlineFragment, OperationDefinition, OperationType, Selection, SelectionSet, Type,
    TypeCondition, VariableDefinition,
};
use async_graphql::{Name, Number, Pos, Positioned};
use async_graphql_value::Value;

#[cfg(test)]
mod tests;

/// async-graphql's limit on selection sets nested in one operation or fragment
/// (`MAX_RECURSION_DEPTH` of its parser): past it, its parse fails.
const MAX_SELECTION_DEPTH: usize = 64;

/// Lists, objects and list types nested deeper than this are left to
/// `parse_query` (which judges them): this reader recurses, and a text of
/// brackets must not run it out of stack.
const MAX_NESTING: usize = 64;

/// A field's or a directive's argument: its name and its value.
type Argument = (Positioned<Name>, Positioned<Value>);

/// `text` parsed as async-graphql parses it, the same document or the same error.
pub fn parse_query(text: &str) -> Result<ExecutableDocument, async_graphql::parser::Error> {
    match read(text) {
        Some(document) => Ok(document),
        None => async_graphql::parser::parse_query(text),
    }
}

/// The document of `text` when this reader reads it as async-graphql would;
/// `None` for anything else (then `parse_query` decides).
pub(crate) fn read(text: &str) -> Option<ExecutableDocument> {
    read_counting(text).0
}

/// [`read`], and how many times a position was counted again from the start
/// (after a rewind past places already counted): never, for a document it reads,
/// which keeps reading linear in the text.
fn read_counting(text: &str) -> (Option<ExecutableDocument>, usize) {
    let mut reader = Reader::new(text);
    let document = reader.document();
    (document, reader.recounted)
}

impl Reader<'_> {
    fn document(&mut self) -> Option<ExecutableDocument> {
        self.skip();
        let mut operations: Option<DocumentOperations> = None;
        let mut fragments: HashMap<Name, Positioned<FragmentDefinition>> = HashMap::new();
        loop {
            let start = self.at;
            if let Some((name, operation)) = self.operation_definition() {
                add_operation(&mut operations, name, operation)?;
            } else {
                self.at = start;
                let (name, fragment) = self.fragment_definition()?;
                match fragments.entry(name) {
                    Entry::Occupied(_) => return None,
                    Entry::Vacant(slot) => {
                        slot.insert(fragment);
                    }
                }
            }
            self.skip();
            if self.at == self.text.len() {
                break;
            }
        }
        Some(ExecutableDocument {
            operations: operations?,
            fragments,
        })
    }
}

/// An operation added as async-graphql adds it: one anonymous operation alone, or
/// any number of named ones; anything else is its error (`None` here).
fn add_operation(
    operations: &mut Option<DocumentOperations>,
    name: Option<Name>,
    operation: Positioned<OperationDefinition>,
) -> Option<()> {
    match (operations.as_mut(), name) {
        (None, None) => *operations = Some(DocumentOperations::Single(operation)),
        (None, Some(name)) => {
            *operations = Some(DocumentOperations::Multiple(HashMap::from([(
                name, operation,
            )])));
        }
        (Some(DocumentOperations::Multiple(named)), Some(name)) => match named.entry(name) {
            Entry::Occupied(_) => return None,
            Entry::Vacant(slot) => {
                slot.insert(operation);
            }
        },
        (Some(_), _) => return None,
    }
    Some(())
}

/// Where a reading stands in the text, and the line and column of a place read
/// before, from which the next position is counted on.
struct Reader<'a> {
    text: &'a str,
    at: usize,
    counted: (usize, Pos),
    /// Positions counted again from the start ([`read_counting`]).
    recounted: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            at: 0,
            counted: (0, Pos { line: 1, column: 1 }),
            recounted: 0,
        }
    }

    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.at..).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.rest().first().copied()
    }

    /// The line and column of byte `offset`, counted as async-graphql counts
    /// them: one column a character, a `\n` starts a line, a `\r` only goes back
    /// to column 1 (so `\r\n` is one new line).
    fn pos(&mut self, offset: usize) -> Pos {
        let (mut from, mut pos) = self.counted;
        if offset < from {
            (from, pos) = (0, Pos { line: 1, column: 1 });
            self.recounted += 1;
        }
        // A character is a byte that does not continue a UTF-8 sequence.
        for &byte in self.text.as_bytes().get(from..offset).unwrap_or_default() {
            match byte {
                b'\r' => pos.column = 1,
                b'\n' => {
                    pos.line += 1;
                    pos.column = 1;
                }
                _ if byte & 0xC0 == 0x80 => {}
                _ => pos.column += 1,
            }
        }
        self.counted = (offset, pos);
        pos
    }

    /// What the grammar lets stand between two parts: whitespace, commas, byte
    /// order marks and `#` comments.
    fn skip(&mut self) {
        loop {
            match self.rest() {
                [b' ' | b',' | b'\t' | b'\n' | b'\r', ..] => self.at += 1,
                [0xEF, 0xBB, 0xBF, ..] => self.at += 3,
                [b'#', rest @ ..] => {
                    self.at += 1 + rest
                        .iter()
                        .position(|&c| c == b'\n' || c == b'\r')
                        .unwrap_or(rest.len());
                }
                _ => return,
            }
        }
    }

    /// One whitespace character as the grammar's `WHITESPACE` (no comment).
    fn whitespace(&mut self) -> bool {
        match self.rest() {
            [b'\r', b'\n', ..] => self.at += 2,
            [b' ' | b',' | b'\t' | b'\n' | b'\r', ..] => self.at += 1,
            [0xEF, 0xBB, 0xBF, ..] => self.at += 3,
            _ => return false,
        }
        true
    }

    /// Whether the text goes on with `word`, which is then read.
    fn literal(&mut self, word: &str) -> bool {
        if self.rest().starts_with(word.as_bytes()) {
            self.at += word.len();
            return true;
        }
        false
    }

    /// `name = @{ (ASCII_ALPHA | "_") ~ (ASCII_ALPHA | ASCII_DIGIT | "_")* }`, with
    /// its position.
    fn name(&mut self) -> Option<Positioned<Name>> {
        let start = self.at;
        let len = self.name_len()?;
        let pos = self.pos(start);
        self.at += len;
        Some(Positioned::new(Name::new(&self.text[start..self.at]), pos))
    }

    /// The length of the name here, if one begins here.
    fn name_len(&self) -> Option<usize> {
        let rest = self.rest();
        if !rest.first().is_some_and(|&c| is_name_start(c)) {
            return None;
        }
        Some(
            rest.iter()
                .position(|&c| !(is_name_start(c) || c.is_ascii_digit()))
                .unwrap_or(rest.len()),
        )
    }

    /// `operation_definition = { named_operation_definition | selection_set }`,
    /// with the operation's name.
    fn operation_definition(&mut self) -> Option<(Option<Name>, Positioned<OperationDefinition>)> {
        let start = self.at;
        if let Some(named) = self.named_operation_definition() {
            return Some(named);
        }
        self.at = start;
        if self.peek() != Some(b'{') {
            return None;
        }
        let pos = self.pos(start);
        let selection_set = self.selection_set(MAX_SELECTION_DEPTH)?;
        let operation = OperationDefinition {
            ty: OperationType::Query,
            variable_definitions: Vec::new(),
            directives: Vec::new(),
            selection_set,
        };
        Some((None, Positioned::new(operation, pos)))
    }

    /// `operation_type ~ name? ~ variable_definitions? ~ directives? ~ selection_set`.
    fn named_operation_definition(
        &mut self,
    ) -> Option<(Option<Name>, Positioned<OperationDefinition>)> {
        let start = self.at;
        let ty = if self.literal("query") {
            OperationType::Query
        } else if self.literal("mutation") {
            OperationType::Mutation
        } else if self.literal("subscription") {
            OperationType::Subscription
        } else {
            return None;
        };
        let pos = self.pos(start);
        self.skip();
        let name = self.name();
        self.skip();
        let variable_definitions = self.variable_definitions().unwrap_or_default();
        self.skip();
        let directives = self.directives();
        self.skip();
        let selection_set = self.selection_set(MAX_SELECTION_DEPTH)?;
        let operation = OperationDefinition {
            ty,
            variable_definitions,
            directives,
            selection_set,
        };
        Some((name.map(|name| name.node), Positioned::new(operation, pos)))
    }

    /// `"(" ~ variable_definition* ~ ")"`; `None`, nothing read, when absent.
    fn variable_definitions(&mut self) -> Option<Vec<Positioned<VariableDefinition>>> {
        let start = self.at;
        let definitions = self.sequence(b'(', b')', false, Self::variable_definition);
        if definitions.is_none() {
            self.at = start;
        }
        definitions
    }

    /// `variable ~ ":" ~ type_ ~ directives? ~ default_value?`.
    fn variable_definition(&mut self) -> Option<Positioned<VariableDefinition>> {
        let pos = self.pos(self.at);
        let name = self.variable()?;
        self.skip();
        self.expect(b':')?;
        self.skip();
        let var_type = self.type_()?;
        self.skip();
        let directives = self.directives();
        self.skip();
        let before_default = self.at;
        let default_value = if self.expect(b'=').is_some() {
            self.skip();
            let value_pos = self.pos(self.at);
            let value = self.value(true, 0)?.into_const()?;
            Some(Positioned::new(value, value_pos))
        } else {
            self.at = before_default;
            None
        };
        let definition = VariableDefinition {
            name,
            var_type,
            directives,
            default_value,
        };
        Some(Positioned::new(definition, pos))
    }

    /// `variable = { "$" ~ name }`: the name and its position.
    fn variable(&mut self) -> Option<Positioned<Name>> {
        self.expect(b'$')?;
        self.skip();
        self.name()
    }

    /// `type_ = @{ (name | "[" ~ type_ ~ "]") ~ "!"? }`, no space within.
    fn type_(&mut self) -> Option<Positioned<Type>> {
        let start = self.at;
        let pos = self.pos(start);
        self.type_text(0)?;
        Some(Positioned::new(Type::new(&self.text[start..self.at])?, pos))
    }

    fn type_text(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_NESTING {
            return None;
        }
        if self.expect(b'[').is_some() {
            self.type_text(depth + 1)?;
            self.expect(b']')?;
        } else {
            // `Type::new` makes the name from the type's text.
            self.at += self.name_len()?;
        }
        let _ = self.expect(b'!');
        Some(())
    }

    /// `directive*` (`directives?` with the empty list when absent). A directive
    /// begun and not finished ends the list before it, as `directive+` does.
    fn directives(&mut self) -> Vec<Positioned<Directive>> {
        let mut directives = Vec::new();
        loop {
            let start = self.at;
            if self.expect(b'@').is_none() {
                return directives;
            }
            let Some(directive) = self.directive(start) else {
                // `directives = { directive+ }`: a failed one ends the list there.
                self.at = start;
                return directives;
            };
            directives.push(directive);
            let after = self.at;
            self.skip();
            if self.peek() != Some(b'@') {
                self.at = after;
                return directives;
            }
        }
    }

    /// `"@" ~ name ~ arguments?`, from just after the `@` at `start`.
    fn directive(&mut self, start: usize) -> Option<Positioned<Directive>> {
        let pos = self.pos(start);
        self.skip();
        let name = self.name()?;
        let after_name = self.at;
        self.skip();
        let arguments = match self.arguments() {
            Some(arguments) => arguments,
            None => {
                self.at = after_name;
                Vec::new()
            }
        };
        Some(Positioned::new(Directive { name, arguments }, pos))
    }

    /// `"(" ~ argument+ ~ ")"`; `None`, nothing read, when absent.
    fn arguments(&mut self) -> Option<Vec<Argument>> {
        let start = self.at;
        let arguments = self.sequence(b'(', b')', true, |reader| {
            let name = reader.name()?;
            reader.skip();
            reader.expect(b':')?;
            reader.skip();
            let pos = reader.pos(reader.at);
            let value = reader.value(false, 0)?;
            Some((name, Positioned::new(value, pos)))
        });
        if arguments.is_none() {
            self.at = start;
        }
        arguments
    }

    /// `open ~ item* ~ close` (`item+` when `one_or_more`), parts separated as
    /// the grammar allows; `None` when it does not close (the caller rewinds).
    fn sequence<T>(
        &mut self,
        open: u8,
        close: u8,
        one_or_more: bool,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        self.expect(open)?;
        let mut items = Vec::new();
        loop {
            self.skip();
            if self.expect(close).is_some() {
                return (!one_or_more || !items.is_empty()).then_some(items);
            }
            items.push(item(self)?);
        }
    }

    /// `selection_set = { "{" ~ selection+ ~ "}" }`; `depth` is how many more sets
    /// may nest in it before async-graphql's limit.
    fn selection_set(&mut self, depth: usize) -> Option<Positioned<SelectionSet>> {
        if self.peek() != Some(b'{') {
            return None;
        }
        let pos = self.pos(self.at);
        let items = self.sequence(b'{', b'}', true, |reader| reader.selection(depth))?;
        Some(Positioned::new(SelectionSet { items }, pos))
    }

    /// `selection = { field | inline_fragment | fragment_spread }`.
    fn selection(&mut self, depth: usize) -> Option<Positioned<Selection>> {
        let start = self.at;
        let pos = self.pos(start);
        let selection = if self.rest().starts_with(b"...") {
            // Which of the two a `...` begins is known from what follows it, so
            // neither is read only to be rewound (which would count positions again).
            if self.spread_follows() {
                Selection::FragmentSpread(self.fragment_spread()?)
            } else {
                Selection::InlineFragment(self.inline_fragment(depth)?)
            }
        } else {
            Selection::Field(self.field(depth)?)
        };
        Some(Positioned::new(selection, pos))
    }

    /// Whether the `...` here is a fragment spread as the grammar's ordered choice
    /// `inline_fragment | fragment_spread` decides it: with a type condition next,
    /// only an inline fragment can be read; without one, an inline fragment needs
    /// a directive or a selection set next, a spread a name.
    fn spread_follows(&mut self) -> bool {
        let start = self.at;
        self.at += 3;
        self.skip();
        let spread = !self.type_condition_follows() && self.peek().is_some_and(is_name_start);
        self.at = start;
        spread
    }

    /// Whether `type_condition` would read here (`on`, whitespace, a name), read
    /// without counting a position.
    fn type_condition_follows(&mut self) -> bool {
        let start = self.at;
        let follows = self.literal("on") && self.whitespace() && {
            while self.whitespace() {}
            self.peek().is_some_and(is_name_start)
        };
        self.at = start;
        follows
    }

    /// `field = { alias? ~ name ~ arguments? ~ directives? ~ selection_set? }`.
    fn field(&mut self, depth: usize) -> Option<Positioned<Field>> {
        let pos = self.pos(self.at);
        let first = self.name()?;
        let after_first = self.at;
        self.skip();
        let (alias, name) = if self.expect(b':').is_some() {
            self.skip();
            (Some(first), self.name()?)
        } else {
            self.at = after_first;
            (None, first)
        };
        let after_name = self.at;
        self.skip();
        let arguments = self.arguments();
        if arguments.is_none() {
            self.at = after_name;
        }
        let after_arguments = self.at;
        self.skip();
        let directives = self.directives();
        if directives.is_empty() {
            self.at = after_arguments;
        }
        let after_directives = self.at;
        self.skip();
        let selection_set = if self.peek() == Some(b'{') {
            // async-graphql fails a field's set past its depth; so does this.
            let depth = depth.checked_sub(1)?;
            self.selection_set(depth)?
        } else {
            self.at = after_directives;
            Positioned::default()
        };
        let field = Field {
            alias,
            name,
            arguments: arguments.unwrap_or_default(),
            directives,
            selection_set,
        };
        Some(Positioned::new(field, pos))
    }

    /// `"..." ~ type_condition? ~ directives? ~ selection_set`.
    fn inline_fragment(&mut self, depth: usize) -> Option<Positioned<InlineFragment>> {
        let pos = self.pos(self.at);
        self.literal("...").then_some(())?;
        self.skip();
        let before_condition = self.at;
        let type_condition = self.type_condition();
        if type_condition.is_none() {
            self.at = before_condition;
        }
        self.skip();
        let directives = self.directives();
        self.skip();
        let depth = depth.checked_sub(1)?;
        let selection_set = self.selection_set(depth)?;
        let fragment = InlineFragment {
            type_condition,
            directives,
            selection_set,
        };
        Some(Positioned::new(fragment, pos))
    }

    /// `"..." ~ !type_condition ~ name ~ directives?`.
    fn fragment_spread(&mut self) -> Option<Positioned<FragmentSpread>> {
        let pos = self.pos(self.at);
        self.literal("...").then_some(())?;
        self.skip();
        let before_name = self.at;
        if self.type_condition().is_some() {
            return None;
        }
        self.at = before_name;
        let fragment_name = self.name()?;
        let after_name = self.at;
        self.skip();
        let directives = self.directives();
        if directives.is_empty() {
            self.at = after_name;
        }
        let spread = FragmentSpread {
            fragment_name,
            directives,
        };
        Some(Positioned::new(spread, pos))
    }

    /// `type_condition = ${ "on" ~ WHITESPACE+ ~ name }`: whitespace, no comment.
    fn type_condition(&mut self) -> Option<Positioned<TypeCondition>> {
        let start = self.at;
        self.literal("on").then_some(())?;
        if !self.whitespace() {
            return None;
        }
        let pos = self.pos(start);
        while self.whitespace() {}
        let on = self.name()?;
        Some(Positioned::new(TypeCondition { on }, pos))
    }

    /// `"fragment" ~ name ~ type_condition ~ directives? ~ selection_set`.
    fn fragment_definition(&mut self) -> Option<(Name, Positioned<FragmentDefinition>)> {
        let start = self.at;
        self.literal("fragment").then_some(())?;
        let pos = self.pos(start);
        self.skip();
        let name = self.name()?;
        self.skip();
        let type_condition = self.type_condition()?;
        self.skip();
        let directives = self.directives();
        self.skip();
        let selection_set = self.selection_set(MAX_SELECTION_DEPTH)?;
        let fragment = FragmentDefinition {
            type_condition,
            directives,
            selection_set,
        };
        Some((name.node, Positioned::new(fragment, pos)))
    }

    /// `value` (or `const_value` when `constant`: no variables):
    /// `variable | number | string | boolean | null | enum_value | list | object`.
    fn value(&mut self, constant: bool, depth: usize) -> Option<Value> {
        if depth > MAX_NESTING {
            return None;
        }
        let value = match self.peek()? {
            b'$' if !constant => Value::Variable(self.variable()?.node),
            b'-' | b'0'..=b'9' => Value::Number(self.number()?),
            b'"' => Value::String(self.string()?),
            b'[' => Value::List(self.sequence(b'[', b']', false, |reader| {
                reader.value(constant, depth + 1)
            })?),
            b'{' => {
                let fields = self.sequence(b'{', b'}', false, |reader| {
                    let name = reader.name()?;
                    reader.skip();
                    reader.expect(b':')?;
                    reader.skip();
                    Some((name.node, reader.value(constant, depth + 1)?))
                })?;
                Value::Object(fields.into_iter().collect::<IndexMap<_, _>>())
            }
            _ if self.literal("true") => Value::Boolean(true),
            _ if self.literal("false") => Value::Boolean(false),
            _ if self.literal("null") => Value::Null,
            _ => Value::Enum(self.name()?.node),
        };
        Some(value)
    }

    /// `number = @{ (float | int) ~ !name_start }`, read by serde as
    /// async-graphql reads it.
    fn number(&mut self) -> Option<Number> {
        let start = self.at;
        let _ = self.expect(b'-');
        match self.rest() {
            [b'0', ..] => self.at += 1,
            [b'1'..=b'9', ..] => self.digits(),
            _ => return None,
        }
        // float = int ~ (fractional ~ exponent | fractional | exponent)
        let int_end = self.at;
        if self.fractional() {
            let fraction_end = self.at;
            if !self.exponent() {
                self.at = fraction_end;
            }
        } else if !self.exponent() {
            self.at = int_end;
        }
        if self.peek().is_some_and(is_name_start) {
            return None;
        }
        self.text[start..self.at].parse().ok()
    }

    fn digits(&mut self) {
        let len = self
            .rest()
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(self.rest().len());
        self.at += len;
    }

    /// `"." ~ ASCII_DIGIT+`.
    fn fractional(&mut self) -> bool {
        let start = self.at;
        if self.expect(b'.').is_some() && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.digits();
            return true;
        }
        self.at = start;
        false
    }

    /// `("E" | "e") ~ ("+" | "-")? ~ ASCII_DIGIT+`.
    fn exponent(&mut self) -> bool {
        let start = self.at;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.digits();
                return true;
            }
        }
        self.at = start;
        false
    }

    /// `string`: a block string (`"""…"""`, tried first) or a quoted one, its
    /// value as async-graphql makes it.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        if let Some(value) = self.block_string() {
            return Some(value);
        }
        // An unclosed `"""` is tried again as `""`, an empty string.
        self.at = start;
        self.expect(b'"')?;
        let mut value = String::new();
        loop {
            let rest = self.rest();
            let plain = rest
                .iter()
                .position(|&c| matches!(c, b'"' | b'\\' | b'\n' | b'\r'))?;
            value.push_str(&self.text[self.at..self.at + plain]);
            self.at += plain;
            match self.rest() {
                [b'"', ..] => {
                    self.at += 1;
                    return Some(value);
                }
                [b'\\', escape, ..] => {
                    self.at += 2;
                    value.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\x08',
                        b'f' => '\x0C',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    });
                }
                _ => return None,
            }
        }
    }

    /// `"\"\"\"" ~ block_string_content ~ "\"\"\""`, its value.
    fn block_string(&mut self) -> Option<String> {
        self.literal("\"\"\"").then_some(())?;
        let start = self.at;
        loop {
            match self.rest() {
                [b'"', b'"', b'"', ..] => break,
                [b'\\', b'"', b'"', b'"', ..] => self.at += 4,
                [_, ..] => self.at += 1,
                [] => return None,
            }
        }
        let raw = &self.text[start..self.at];
        self.at += 3;
        Some(block_string_value(raw))
    }

    /// The four hex digits of a `\u` escape, a Unicode scalar value (no
    /// surrogate: async-graphql refuses them).
    fn unicode_escape(&mut self) -> Option<char> {
        let hex = self.rest().get(..4)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let code = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        self.at += 4;
        char::from_u32(code)
    }

    /// Reads `byte` if it is next.
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// A block string's value as async-graphql makes it: lines split at `\r\n`, `\r`
/// or `\n`; the indent common to every line but the first that has content is
/// taken off each but the first; blank lines first and last dropped; joined with
/// `\n`. (It keeps `\"""` as written, as async-graphql does.)
fn block_string_value(raw: &str) -> String {
    let lines: Vec<&str> = raw
        .split("\r\n")
        .flat_map(|part| part.split(['\r', '\n']))
        .collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter_map(|line| line.find(|c| c != '\t' && c != ' '))
        .min()
        .unwrap_or(0);
    let has_content = |line: &&str| line.bytes().any(|c| c != b'\t' && c != b' ');
    let first = lines.iter().position(has_content).unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(has_content)
        .map_or(0, |last| last + 1);
    let mut value = String::new();
    for (i, line) in lines.iter().enumerate().take(end).skip(first) {
        if i > first {
            value.push('\n');
        }
        let line = match line.get(indent..) {
            Some(rest) if i != 0 => rest,
            _ => line,
        };
        value.push_str(line);
    }
    value
}
