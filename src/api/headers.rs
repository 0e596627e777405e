//! Security headers: what every response carries, the UI pages' Content-Security-Policy, and
//! how the bytes of an artifact or an uploaded file are handed to a browser.
//!
//! The UI and the API share one origin, and the UI's login cookie authenticates every `/v1`
//! route. A file that came from a website (a download, an upload, anything a site or a caller
//! chose the bytes of) must therefore never be rendered on that origin: it is served as an
//! attachment, sandboxed, with its type fixed. Only the pictures and videos the appliance makes
//! itself (screenshots, recordings) are shown inline, for the UI's `<img>` and `<video>`.

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue, HeaderValue,
};
use actix_web::middleware::DefaultHeaders;

use crate::artifacts::Artifact;

/// The UI's pages run only the appliance's own scripts and styles (files of `ui-dist/`, no
/// inline code), talk only to their own origin (the API, the live view's WebSocket), show
/// pictures from the live view (`data:` JPEGs) and recordings, and cannot be framed.
pub const UI_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Headers every response gets: a browser never guesses a type other than the one declared.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

/// How a browser is to treat an artifact's bytes: inline for the appliance's own pictures and
/// videos, else a download under the file's name.
pub fn artifact_disposition(artifact: &Artifact) -> ContentDisposition {
    if artifact.artifact_type.made_by_the_appliance() {
        return ContentDisposition { disposition: DispositionType::Inline, parameters: Vec::new() };
    }
    let name = artifact
        .filename
        .clone()
        .unwrap_or_else(|| artifact.relative_path.rsplit('/').next().unwrap_or("artifact").to_owned());
    attachment(name)
}

/// A download under `name` (in ASCII for old clients, exact in UTF-8 for the others).
pub fn attachment(name: String) -> ContentDisposition {
    let ascii: String = name.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { '_' }).collect();
    let exact = ExtendedValue { charset: Charset::Ext("UTF-8".into()), language_tag: None, value: name.into_bytes() };
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(ascii), DispositionParam::FilenameExt(exact)],
    }
}

/// Whatever a served file holds, no browser runs it as a page of this origin (`sandbox` gives it
/// an opaque origin without scripts) or reads it as another type.
pub fn sandbox_file(headers: &mut header::HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}
