//! A JSON value and its compact text, enough for `--json` output.
//!
//! Written by hand so that the tool needs no serde: the shapes are small
//! and fixed, and the only subtle part, string escaping, is RFC 8259's
//! short list.

use std::fmt::{self, Write};

/// A JSON document. Objects keep their keys in the order given, so the
/// output reads in the order the README documents.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Int(i64),
    /// Printed with three decimals: used for milliseconds.
    Millis(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(&'static str, Json)>),
}

impl Json {
    pub fn str(s: impl Into<String>) -> Json {
        Json::Str(s.into())
    }

    pub fn opt_str(s: Option<impl Into<String>>) -> Json {
        s.map_or(Json::Null, |s| Json::Str(s.into()))
    }

    pub fn strs<I, S>(items: I) -> Json
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Json::Arr(items.into_iter().map(|s| Json::Str(s.into())).collect())
    }
}

impl From<u16> for Json {
    fn from(n: u16) -> Json {
        Json::Int(n.into())
    }
}

impl From<usize> for Json {
    fn from(n: usize) -> Json {
        Json::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<i32> for Json {
    fn from(n: i32) -> Json {
        Json::Int(n.into())
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Int(n) => write!(f, "{n}"),
            // JSON has no NaN or infinity; a duration never is one, but the
            // output must stay valid whatever the input.
            Json::Millis(x) if x.is_finite() => write!(f, "{x:.3}"),
            Json::Millis(_) => f.write_str("null"),
            Json::Str(s) => write_string(f, s),
            Json::Arr(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(']')
            }
            Json::Obj(fields) => {
                f.write_char('{')?;
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write_string(f, key)?;
                    write!(f, ":{value}")?;
                }
                f.write_char('}')
            }
        }
    }
}

/// Writes `s` as a JSON string: quotes, backslashes and control characters
/// escaped, everything else (valid UTF-8 already) as is.
fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if u32::from(c) < 0x20 || c == '\u{7f}' => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::Json;

    #[test]
    fn strings_escape_quotes_backslashes_and_control_characters() {
        let s = Json::str("a\"b\\c\nd\te\u{1}f\u{7f}é");
        assert_eq!(s.to_string(), r#""a\"b\\c\nd\te\u0001f\u007fé""#);
    }

    #[test]
    fn objects_keep_their_key_order() {
        let doc = Json::Obj(vec![
            ("name", Json::str("http")),
            ("aliases", Json::strs(["www"])),
            ("port", Json::from(80u16)),
            ("canonical_name", Json::Null),
            ("elapsed_ms", Json::Millis(1.5)),
            ("empty", Json::Arr(vec![])),
        ]);
        assert_eq!(
            doc.to_string(),
            r#"{"name":"http","aliases":["www"],"port":80,"canonical_name":null,"elapsed_ms":1.500,"empty":[]}"#
        );
    }

    #[test]
    fn non_finite_milliseconds_stay_valid_json() {
        assert_eq!(Json::Millis(f64::NAN).to_string(), "null");
    }
}
