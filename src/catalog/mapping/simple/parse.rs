//! Reading a filter's text into the subset's tree: `None` as soon as anything is
//! outside the subset (then jaq runs the filter).

use super::super::jq::{Val, string};
use super::*;

/// `code` parsed, when it is in the subset; `vars` names the filter's variables in
/// order (each with its `$`).
pub(super) fn parse(code: &str, vars: &[&str]) -> Option<Simple> {
    let mut parser = Parser {
        rest: code.trim(),
        vars: vars.to_vec(),
    };
    let simple = parser.pipeline(&[])?;
    parser.rest.is_empty().then_some(simple)
}

/// The name a value in parentheses of an object is bound under: not a name a
/// filter can write (`$` takes letters, digits and `_`).
const BOUND_VALUE: &str = "$(value)";

struct Parser<'a> {
    rest: &'a str,
    /// The filter's variables, then those bound by `as` around the place read.
    vars: Vec<&'a str>,
}

impl<'a> Parser<'a> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, token: &str) -> Option<()> {
        self.rest = self.rest.strip_prefix(token)?;
        Some(())
    }

    /// Whether `token` comes next: a word only as a whole word.
    fn at(&self, token: &str) -> bool {
        let Some(rest) = self.rest.strip_prefix(token) else {
            return false;
        };
        !token.starts_with(|c: char| c.is_ascii_alphabetic())
            || !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    }

    /// `token` (a word only as a whole word), after any space.
    fn keyword(&mut self, token: &str) -> Option<()> {
        self.skip_space();
        if !self.at(token) {
            return None;
        }
        self.eat(token)?;
        self.skip_space();
        Some(())
    }

    fn path(&mut self) -> Option<Path> {
        if let Some(literal) = self.literal() {
            return Some(literal);
        }
        let start = if self.rest.starts_with('$') {
            self.rest = &self.rest[1..];
            Some(self.var()?)
        } else {
            self.eat(".")?;
            None
        };
        let mut steps = Vec::new();
        // `.` alone, or `.name` / `.[…]` right after the dot.
        if start.is_none()
            && !self.rest.starts_with("[]")
            && let Some(step) = self.step_after_dot()
        {
            steps.push(step?);
        }
        loop {
            if self.rest.starts_with("//") || self.rest.starts_with("[]") {
                break;
            }
            if self.rest.starts_with('[') {
                steps.push(self.index()?);
            } else if self.rest.starts_with('.') {
                self.rest = &self.rest[1..];
                steps.push(self.step_after_dot()??);
            } else {
                break;
            }
        }
        Some(Path::Steps(start, steps))
    }

    /// Stages up to the end, or up to one of `stops` (left for the caller).
    fn pipeline(&mut self, stops: &[&str]) -> Option<Simple> {
        let mut stages = Vec::new();
        loop {
            let stage = self.stage()?;
            self.skip_space();
            // `f as $x | body`: the rest of the pipeline is the body.
            if self.at("as") {
                self.keyword("as")?;
                self.eat("$")?;
                let before = self.rest;
                self.name()?;
                let name = &before[..before.len() - self.rest.len()];
                self.skip_space();
                self.eat("|")?;
                self.skip_space();
                self.vars.push(name);
                let body = self.pipeline(stops);
                self.vars.pop();
                stages.push(Stage::Bind(
                    Simple {
                        stages: vec![stage],
                    },
                    body?,
                ));
                break;
            }
            stages.push(stage);
            if self.rest.is_empty() || stops.iter().any(|stop| self.at(stop)) {
                break;
            }
            self.eat("|")?;
            self.skip_space();
        }
        Some(Simple { stages })
    }

    fn stage(&mut self) -> Option<Stage> {
        if let Some(rest) = self.rest.strip_prefix("map(") {
            self.rest = rest.trim_start();
            let inner = self.pipeline(&[")"])?;
            self.eat(")")?;
            return Some(Stage::Map(inner));
        }
        if let Some(rest) = self.rest.strip_prefix("find(") {
            self.rest = rest.trim_start();
            let f = self.pipeline(&[";"])?;
            self.eat(";")?;
            self.skip_space();
            let wanted = if self.rest.starts_with('$') {
                self.rest = &self.rest[1..];
                Path::Steps(Some(self.var()?), Vec::new())
            } else {
                match self.literal()? {
                    literal @ Path::Literal(_) => literal,
                    Path::Steps(..) | Path::Text(_) => return None,
                }
            };
            self.skip_space();
            self.eat(")")?;
            return Some(Stage::Find(f, wanted));
        }
        for (word, stage) in [
            ("trim", Stage::Trim),
            ("ascii_upcase", Stage::Upcase),
            ("ascii_downcase", Stage::Downcase),
            ("compact", Stage::Compact),
            ("tojson", Stage::ToJson),
        ] {
            if let Some(rest) = self.rest.strip_prefix(word)
                && !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '(')
            {
                self.rest = rest;
                return Some(stage);
            }
        }
        if let Some(rest) = self.rest.strip_prefix("each_value(") {
            self.rest = rest.trim_start();
            let inner = self.pipeline(&[")"])?;
            self.eat(")")?;
            return Some(Stage::EachValue(inner));
        }
        if let Some(rest) = self.rest.strip_prefix("join(") {
            self.rest = rest.trim_start();
            let Text::Plain(separator) = self.string()? else {
                return None;
            };
            self.skip_space();
            self.eat(")")?;
            return Some(Stage::Join(separator));
        }
        if let Some(rest) = self.rest.strip_prefix("omit(") {
            self.rest = rest.trim_start();
            let keys = self.literal_keys()?;
            self.skip_space();
            self.eat(")")?;
            return Some(Stage::Omit(keys));
        }
        if self.at("if") {
            return self.conditional();
        }
        if let Some(rest) = self.rest.strip_prefix('(') {
            self.rest = rest.trim_start();
            let inner = self.pipeline(&[")"])?;
            self.eat(")")?;
            return Some(Stage::Group(inner));
        }
        if self.rest.starts_with('[') {
            return self.array();
        }
        if self.rest.starts_with('{') {
            return self.object();
        }
        let first = self.path()?;
        self.skip_space();
        if self.rest.starts_with('/') && !self.rest.starts_with("//") {
            self.rest = self.rest[1..].trim_start();
            return match self.string()? {
                Text::Plain(separator) if !separator.is_empty() => {
                    Some(Stage::Split(first, separator))
                }
                _ => None,
            };
        }
        let mut paths = vec![first];
        while self.rest.trim_start().starts_with("//") {
            self.skip_space();
            self.eat("//")?;
            self.skip_space();
            paths.push(self.path()?);
            self.skip_space();
        }
        Some(Stage::Alt(paths))
    }

    /// `if … end`, at `if`.
    fn conditional(&mut self) -> Option<Stage> {
        self.keyword("if")?;
        let mut branches = Vec::new();
        loop {
            let cond = self.cond()?;
            self.keyword("then")?;
            let then = self.pipeline(&["elif", "else", "end"])?;
            branches.push((cond, then));
            if self.keyword("elif").is_none() {
                break;
            }
        }
        self.keyword("else")?;
        let otherwise = self.pipeline(&["end"])?;
        self.keyword("end")?;
        Some(Stage::If(branches, Box::new(otherwise)))
    }

    fn cond(&mut self) -> Option<Cond> {
        let mut any_of = vec![vec![self.test()?]];
        loop {
            self.skip_space();
            if self.keyword("and").is_some() {
                any_of.last_mut()?.push(self.test()?);
            } else if self.keyword("or").is_some() {
                any_of.push(vec![self.test()?]);
            } else {
                return Some(Cond { any_of });
            }
        }
    }

    fn test(&mut self) -> Option<Test> {
        let left = self.path()?;
        self.skip_space();
        let mut compared = None;
        for (token, cmp) in [
            ("==", Cmp::Eq),
            ("!=", Cmp::Ne),
            ("<=", Cmp::Le),
            (">=", Cmp::Ge),
            ("<", Cmp::Lt),
            (">", Cmp::Gt),
        ] {
            if self.eat(token).is_some() {
                self.skip_space();
                compared = Some((cmp, self.path()?));
                break;
            }
        }
        Some(Test { left, compared })
    }

    /// `[a, b[], …]` and the steps after it.
    fn array(&mut self) -> Option<Stage> {
        self.eat("[")?;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            let first = self.path()?;
            if self.eat("[]").is_some() {
                items.push(Item::Each(first));
            } else {
                let mut paths = vec![first];
                self.skip_space();
                while self.eat("//").is_some() {
                    self.skip_space();
                    paths.push(self.path()?);
                    self.skip_space();
                }
                items.push(Item::Alt(paths));
            }
            self.skip_space();
            if self.eat(",").is_none() {
                break;
            }
        }
        self.eat("]")?;
        let mut steps = Vec::new();
        loop {
            if self.rest.starts_with("[]") {
                return None;
            }
            if self.rest.starts_with('[') {
                steps.push(self.index()?);
            } else if self.rest.starts_with('.') && !self.rest.starts_with("..") {
                self.rest = &self.rest[1..];
                steps.push(self.step_after_dot()??);
            } else {
                break;
            }
        }
        Some(Stage::Array(items, steps))
    }

    /// `"key"` or `["key", …]`: `omit`'s argument.
    fn literal_keys(&mut self) -> Option<Val> {
        if self.rest.starts_with('"') {
            return match self.string()? {
                Text::Plain(key) => Some(string(&key)),
                Text::Parts(_) => None,
            };
        }
        self.eat("[")?;
        let mut keys = Vec::new();
        loop {
            self.skip_space();
            match self.string()? {
                Text::Plain(key) => keys.push(string(&key)),
                Text::Parts(_) => return None,
            }
            self.skip_space();
            if self.eat(",").is_none() {
                break;
            }
        }
        self.eat("]")?;
        Some(keys.into_iter().collect())
    }

    /// `{name: alt, name: (filter), …}`. A value in parentheses is bound first, as
    /// `(filter) as $v | {name: $v, …}` would bind it (the same output: the subset's
    /// filters give one output each, all on the object's input), under a name no
    /// filter can write, so the object itself stays one of paths.
    fn object(&mut self) -> Option<Stage> {
        let outer = self.vars.len();
        let stage = self.object_in_scope();
        self.vars.truncate(outer);
        stage
    }

    /// [`object`](Self::object), the names it binds left in scope.
    fn object_in_scope(&mut self) -> Option<Stage> {
        self.eat("{")?;
        let mut fields = Vec::new();
        let mut bound = Vec::new();
        loop {
            self.skip_space();
            let name = self.name()?;
            self.skip_space();
            self.eat(":")?;
            self.skip_space();
            if let Some(rest) = self.rest.strip_prefix('(') {
                self.rest = rest.trim_start();
                let inner = self.pipeline(&[")"])?;
                self.eat(")")?;
                // The variable's index: after the filter's own and those bound so far.
                fields.push((
                    string(&name),
                    vec![Path::Steps(Some(self.vars.len()), Vec::new())],
                ));
                self.vars.push(BOUND_VALUE);
                bound.push(inner);
                self.skip_space();
                if self.eat(",").is_none() {
                    break;
                }
                continue;
            }
            let mut paths = vec![self.path()?];
            self.skip_space();
            while self.rest.starts_with("//") {
                self.eat("//")?;
                self.skip_space();
                paths.push(self.path()?);
                self.skip_space();
            }
            fields.push((string(&name), paths));
            if self.eat(",").is_none() {
                break;
            }
        }
        self.skip_space();
        self.eat("}")?;
        // The last value bound is the innermost binding.
        let mut stage = Stage::Object(fields);
        for inner in bound.into_iter().rev() {
            stage = Stage::Bind(
                Simple {
                    stages: vec![Stage::Group(inner)],
                },
                Simple {
                    stages: vec![stage],
                },
            );
        }
        Some(stage)
    }

    /// `name`, `"name"` or `[…]` right after a dot: `None` when none follows,
    /// `Some(None)` when one starts but is not in the subset.
    fn step_after_dot(&mut self) -> Option<Option<Step>> {
        // After a dot, jaq reads a keyword as a key too (`.label`, `.and`).
        if let Some(name) = self.word() {
            Some(Some(Step::key(Text::Plain(name))))
        } else if self.rest.starts_with('"') {
            Some(self.string().map(Step::key))
        } else if self.rest.starts_with('[') {
            Some(self.index())
        } else {
            None
        }
    }

    fn literal(&mut self) -> Option<Path> {
        if self.rest.starts_with('"') {
            return Some(match self.string()? {
                Text::Plain(text) => Path::Literal(string(&text)),
                Text::Parts(parts) => Path::Text(parts),
            });
        }
        for (word, value) in [
            ("null", Val::Null),
            ("true", Val::Bool(true)),
            ("false", Val::Bool(false)),
        ] {
            if let Some(rest) = self.rest.strip_prefix(word)
                && !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            {
                self.rest = rest;
                return Some(Path::Literal(value));
            }
        }
        let digits = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && digits <= 9 {
            let number: isize = self.rest[..digits].parse().ok()?;
            self.rest = &self.rest[digits..];
            return Some(Path::Literal(Val::from(number)));
        }
        None
    }

    /// An identifier, keywords included.
    fn word(&mut self) -> Option<String> {
        let first = self.rest.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest.len());
        let name = self.rest[..end].to_owned();
        self.rest = &self.rest[end..];
        Some(name)
    }

    /// An identifier that is not a keyword.
    fn name(&mut self) -> Option<String> {
        let before = self.rest;
        let name = self.word()?;
        // Keywords are not keys in jq (`.and` is a syntax error there).
        if matches!(
            name.as_str(),
            "and"
                | "or"
                | "not"
                | "if"
                | "then"
                | "elif"
                | "else"
                | "end"
                | "as"
                | "def"
                | "reduce"
                | "foreach"
                | "try"
                | "catch"
                | "label"
                | "import"
                | "include"
                | "__loc__"
        ) {
            self.rest = before;
            return None;
        }
        Some(name)
    }

    /// A variable's index: the innermost of that name.
    fn var(&mut self) -> Option<usize> {
        let name = self.name()?;
        self.var_named(&name)
    }

    fn var_named(&self, name: &str) -> Option<usize> {
        self.vars
            .iter()
            .rposition(|var| var.strip_prefix('$').unwrap_or(var) == name)
    }

    fn index(&mut self) -> Option<Step> {
        self.eat("[")?;
        let step = if self.rest.starts_with('"') {
            Step::key(self.string()?)
        } else if self.rest.starts_with('$') {
            self.rest = &self.rest[1..];
            Step::Var(self.var()?)
        } else {
            let negative = self.rest.starts_with('-');
            let body = if negative { &self.rest[1..] } else { self.rest };
            let digits = body.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            let number: isize = body[..digits].parse().ok()?;
            self.rest = &body[digits..];
            Step::Index(if negative { -number } else { number })
        };
        self.eat("]")?;
        Some(step)
    }

    fn string(&mut self) -> Option<Text> {
        self.eat("\"")?;
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = self.rest.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &self.rest[at + 1..];
                    if parts.is_empty() {
                        return Some(Text::Plain(text));
                    }
                    if !text.is_empty() {
                        parts.push(Part::Text(text));
                    }
                    return Some(Text::Parts(parts));
                }
                '\\' => match chars.next()?.1 {
                    '"' => text.push('"'),
                    '\\' => text.push('\\'),
                    '/' => text.push('/'),
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    '(' => {
                        let (start, _) = chars.next()?;
                        let inner = &self.rest[start..];
                        let end = inner.find(')')?;
                        let name = inner[..end].trim().strip_prefix('$')?;
                        let var = self.var_named(name)?;
                        if !text.is_empty() {
                            parts.push(Part::Text(std::mem::take(&mut text)));
                        }
                        parts.push(Part::Var(var));
                        // Skip past the `)`.
                        for _ in 0..inner[..=end].chars().count() - 1 {
                            chars.next()?;
                        }
                    }
                    _ => return None,
                },
                c => text.push(c),
            }
        }
        None
    }
}
