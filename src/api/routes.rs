//! The route table: every API route is registered from its handler's OpenAPI description (the
//! `#[utoipa::path]` beside the handler), so what is served and what the document says come from
//! one place. `Routes::add` takes the description and the handler, registers the handler for each
//! method the description names at its path, and keeps the description for the document
//! (`openapi`). Paths that share a resource keep actix's 405 with `Allow` for other methods.

use std::collections::BTreeMap;

use actix_web::dev::Handler;
use actix_web::http::Method;
use actix_web::{FromRequest, Responder, Route, web};
use utoipa::openapi::path::{HttpMethod, Operation, PathItem, Paths};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};
use utoipa_actix_web::OpenApiFactory;

/// Routes under one scope (`/v1`, or the root), with their descriptions.
pub struct Routes {
    /// The scope the routes are registered in; descriptions name full paths.
    scope: &'static str,
    /// Each path, in the order first added, with its methods' routes.
    resources: Vec<(String, Vec<Route>)>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
    /// While set, paths starting with `.0` are served and described under `.1` as well.
    alias: Option<(&'static str, &'static str)>,
}

impl Routes {
    pub fn new(scope: &'static str) -> Routes {
        Routes { scope, resources: Vec::new(), paths: Paths::new(), schemas: Vec::new(), alias: None }
    }

    /// Serves `handler` as `described` says (its path and methods) and keeps the description.
    pub fn add<F, Args>(&mut self, described: impl OpenApiFactory, handler: F) -> &mut Routes
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        described.schemas(&mut self.schemas);
        for (path, item) in described.paths().paths {
            let path = match self.alias {
                Some((from, to)) => path.replacen(from, to, 1),
                None => path,
            };
            let relative = path.strip_prefix(self.scope).expect("a described path lies in its scope").to_owned();
            for (described_method, method, operation) in operations(item) {
                let operation = match self.alias {
                    Some((_, to)) => aliased(operation, to),
                    None => operation,
                };
                self.route(&relative, web::method(method).to(handler.clone()));
                self.paths.add_path_operation(&path, vec![described_method], operation);
            }
        }
        self
    }

    /// Adds the routes of `table` as they are, then again with paths under `from` served under
    /// `to` (an older name of the same resources).
    pub fn also_under(&mut self, from: &'static str, to: &'static str, table: impl Fn(&mut Routes)) -> &mut Routes {
        table(self);
        self.alias = Some((from, to));
        table(self);
        self.alias = None;
        self
    }

    fn route(&mut self, path: &str, route: Route) {
        match self.resources.iter_mut().find(|(known, _)| known == path) {
            Some((_, routes)) => routes.push(route),
            None => self.resources.push((path.to_owned(), vec![route])),
        }
    }

    /// Registers every route on `config`, one resource per path.
    pub fn register(self, config: &mut web::ServiceConfig) {
        for (path, routes) in self.resources {
            config.service(routes.into_iter().fold(web::resource(path), |resource, route| resource.route(route)));
        }
    }

    /// The descriptions, as paths and component schemas of `document`.
    pub fn describe(self, document: &mut OpenApi) {
        document.paths.paths.extend(self.paths.paths);
        let components = document.components.get_or_insert_with(Default::default);
        components.schemas.extend(self.schemas.into_iter().collect::<BTreeMap<_, _>>());
    }
}

/// The operations of a path item, with their methods.
fn operations(item: PathItem) -> Vec<(HttpMethod, Method, Operation)> {
    [
        (HttpMethod::Get, Method::GET, item.get),
        (HttpMethod::Post, Method::POST, item.post),
        (HttpMethod::Put, Method::PUT, item.put),
        (HttpMethod::Patch, Method::PATCH, item.patch),
        (HttpMethod::Delete, Method::DELETE, item.delete),
    ]
    .into_iter()
    .filter_map(|(described, method, operation)| operation.map(|operation| (described, method, operation)))
    .collect()
}

/// The operation as served under the older name `prefix`: its own id, and said to be the same.
fn aliased(mut operation: Operation, prefix: &str) -> Operation {
    let name = prefix.trim_start_matches("/v1/");
    operation.operation_id = operation.operation_id.map(|id| format!("{id}_{name}"));
    let summary = operation.summary.take().unwrap_or_default();
    operation.summary = Some(format!("{summary} (under {prefix}, the name older SDKs use)").trim_start().to_owned());
    operation
}
