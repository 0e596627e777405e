//! Every `/v1` route and every UI page requires an API key: the `x-api-key` header, or the
//! `skyvern_api_key` cookie that the login page sets for the UI.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};

use super::AppState;
use super::error::{ApiError, Code};

pub const API_KEY_HEADER: &str = "x-api-key";
pub const API_KEY_COOKIE: &str = "skyvern_api_key";

/// The key a request presents, from the header or the login cookie.
pub fn presented_key(request: &ServiceRequest) -> Option<String> {
    let header = request.headers().get(API_KEY_HEADER).and_then(|value| value.to_str().ok()).map(str::to_owned);
    header.or_else(|| request.cookie(API_KEY_COOKIE).map(|cookie| cookie.value().to_owned()))
}

/// Who made a request: the name of the API key it presented.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_name: String,
}

/// Whether the request carries a valid key; if so, its `Caller` goes with the request.
async fn check(request: &ServiceRequest) -> Result<(), ApiError> {
    let state = request.app_data::<web::Data<AppState>>().expect("the app state is always registered");
    let Some(key) = presented_key(request).filter(|key| !key.is_empty()) else {
        return Err(ApiError::new(Code::MissingApiKey, "send your API key in the x-api-key header"));
    };
    if let Some(key_name) = state.keys.identify(&key).await? {
        request.extensions_mut().insert(Caller { key_name });
        Ok(())
    } else {
        Err(ApiError::new(Code::InvalidApiKey, "the API key is not valid (unknown or revoked)"))
    }
}

/// Middleware for the API: a JSON 401/403 without a valid key.
pub async fn require_api_key(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match check(&request).await {
        Ok(()) => Ok(next.call(request).await?.map_into_boxed_body()),
        Err(error) => Ok(request.error_response(error).map_into_boxed_body()),
    }
}

/// Middleware for UI pages: without a valid key, go to the login page.
pub async fn require_login(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match check(&request).await {
        Ok(()) => Ok(next.call(request).await?.map_into_boxed_body()),
        Err(error) if error.code == Code::Internal => Ok(request.error_response(error).map_into_boxed_body()),
        Err(_) => {
            let redirect = HttpResponse::SeeOther().insert_header(("location", "/login")).finish();
            Ok(request.into_response(redirect).map_into_boxed_body())
        }
    }
}
