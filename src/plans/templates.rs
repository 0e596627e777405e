//! Jinja templates in plan texts (`{{ invoice_url }}`, `{{ fetch.output.total }}`): checked when a
//! plan is saved, rendered when a block runs.
//!
//! Rendering is strict: a name the context lacks is an error, not an empty string, so a step never
//! acts on a URL or prompt with a silent hole in it.

use std::collections::BTreeSet;

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value;

/// The names a template may use without declaring them: minijinja's own functions.
pub const TEMPLATE_FUNCTIONS: [&str; 3] = ["range", "dict", "namespace"];

/// A template that failed to render: a syntax error or a name missing from the context.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct RenderError(#[from] minijinja::Error);

/// The template engine, configured once: strict about undefined names.
pub struct Templates {
    environment: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Templates {
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Strict);
        Templates { environment }
    }
}

impl Templates {
    /// The top-level names a template reads (`{{ a.b }}` reads `a`), or why it does not parse.
    pub fn names(&self, text: &str) -> Result<BTreeSet<String>, String> {
        let template = self.environment.template_from_str(text).map_err(|error| error.to_string())?;
        Ok(template.undeclared_variables(false).into_iter().collect())
    }

    /// Evaluates an expression (`rows`, `fetch.output.items`, `count > 3`) to its value.
    pub fn evaluate(&self, expression: &str, context: &Value) -> Result<Value, RenderError> {
        let value = self.environment.compile_expression(expression)?.eval(minijinja::Value::from(Serde(context)))?;
        if value.is_undefined() {
            let reason = format!("`{expression}` is undefined");
            return Err(RenderError(minijinja::Error::new(minijinja::ErrorKind::UndefinedError, reason)));
        }
        serde_json::to_value(&value)
            .map_err(|e| RenderError(minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string())))
    }

    /// Renders a text with the values of its names; an unknown name is an error.
    pub fn render(&self, text: &str, context: &Value) -> Result<String, RenderError> {
        Ok(self.environment.render_str(text, minijinja::Value::from(Serde(context)))?)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rendering_fills_names_and_attributes_from_the_context() {
        let context = json!({"invoice_url": "https://example.com/i/7", "fetch": {"output": {"total": 12}}});
        let text = Templates::default().render("{{ invoice_url }} costs {{ fetch.output.total }}", &context).unwrap();
        assert_eq!(text, "https://example.com/i/7 costs 12");
    }

    #[test]
    fn rendering_an_unknown_name_is_an_error_not_an_empty_text() {
        let error = Templates::default().render("go to {{ missing }}", &json!({})).unwrap_err();
        assert!(error.to_string().contains("undefined"), "{error}");
    }

    #[test]
    fn rendering_an_unknown_attribute_is_an_error() {
        assert!(Templates::default().render("{{ fetch.output.nothing }}", &json!({"fetch": {"output": {}}})).is_err());
    }

    #[test]
    fn an_expression_evaluates_to_its_value_and_an_unknown_name_is_an_error() {
        let context = json!({"fetch": {"output": {"rows": [1, 2]}}});
        let templates = Templates::default();
        assert_eq!(templates.evaluate("fetch.output.rows", &context).unwrap(), json!([1, 2]));
        assert_eq!(templates.evaluate("fetch.output.rows | length > 1", &context).unwrap(), json!(true));
        assert!(templates.evaluate("missing.rows", &context).is_err());
    }

    #[test]
    fn names_are_the_top_level_names_a_template_reads() {
        let names = Templates::default()
            .names("{% for row in rows %}{{ row.id }}{% endfor %}{{ fetch.output }}{{ current_value }}")
            .unwrap();
        assert_eq!(names, BTreeSet::from(["current_value".to_string(), "fetch".into(), "rows".into()]));
    }

    #[test]
    fn names_of_a_broken_template_is_a_syntax_error() {
        assert!(Templates::default().names("{{ unclosed ").unwrap_err().contains("syntax error"));
    }
}
