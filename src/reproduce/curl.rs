//! The request as a shell command: `curl` posts the body, given word for word in a quoted here
//! document (nothing in it is expanded), with the key read from `$SKYVERN_API_KEY`.

use serde_json::Value;

use super::instructions;

/// Ends the here document. No line of pretty-printed JSON can be this word alone: each begins
/// with a bracket, a brace or the spaces before a value.
const END_OF_BODY: &str = "SKYVERN_REQUEST";

/// A command that posts `body` to `endpoint` (an absolute URL).
pub fn curl_command(endpoint: &str, body: &Value) -> String {
    let json = serde_json::to_string_pretty(body).unwrap_or_else(|_| body.to_string());
    let comments: String = instructions(body).iter().map(|line| format!("# {line}\n")).collect();
    format!(
        "{comments}curl -sS -X POST {} \\\n  -H \"x-api-key: $SKYVERN_API_KEY\" \\\n  -H 'content-type: application/json' \\\n  --data-binary @- <<'{END_OF_BODY}'\n{json}\n{END_OF_BODY}\n",
        shell_quoted(endpoint)
    )
}

/// `text` as one shell word, expanded by nothing.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Runs `script` with bash, with `curl` a function that prints its arguments and its input.
    fn as_bash_sees_it(script: &str) -> String {
        let fake_curl = "curl() { printf '%s\\n' \"$@\"; echo ---; cat; }\n";
        let output = std::process::Command::new("bash")
            .args(["-c", &format!("{fake_curl}{script}")])
            .env("SKYVERN_API_KEY", "skv_secret")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn the_body_reaches_curl_word_for_word_whatever_it_holds() {
        let tricky = "it's $HOME `id` \\n \"quoted\" \nSKYVERN_REQUEST\n'EOF' ${x} \u{2028}";
        let body = json!({"prompt": tricky, "secrets": {"pin": "<value of secret pin>"}});
        let seen = as_bash_sees_it(&curl_command("http://127.0.0.1:8000/v1/run/tasks", &body));
        let (arguments, input) = seen.split_once("---\n").unwrap();
        assert_eq!(serde_json::from_str::<Value>(input).unwrap(), body);
        assert!(arguments.contains("x-api-key: skv_secret\n"), "the key comes from the environment: {arguments}");
        assert!(arguments.starts_with("-sS\n-X\nPOST\nhttp://127.0.0.1:8000/v1/run/tasks\n"), "{arguments}");
    }

    #[test]
    fn an_address_with_quotes_stays_one_word() {
        let seen = as_bash_sees_it(&curl_command("http://host/it's $(id)/v1/run/tasks", &json!({})));
        assert!(seen.contains("\nhttp://host/it's $(id)/v1/run/tasks\n"), "{seen}");
    }

    #[test]
    fn the_secrets_to_fill_in_are_named_in_a_comment() {
        let command = curl_command("http://a/v1/run/tasks", &json!({"secrets": {"pin": "<value of secret pin>"}}));
        assert!(command.starts_with("# Set SKYVERN_API_KEY"), "{command}");
        assert!(
            command.contains("# Replace each <value of secret NAME> with the secret's value (pin).\n"),
            "{command}"
        );
    }
}
