//! The definition of a plan (Skyvern's `workflow_definition`): its parameters, its blocks, and
//! what holds for the whole (the block that always runs last, error codes, a system prompt).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Block, DefinitionError, Parameter, Place};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Definition {
    /// 1: blocks run in list order; 2: Skyvern's graph form, following `next_block_label`.
    #[serde(default = "first_version")]
    pub version: u8,
    #[serde(skip_deserializing)]
    pub parameters: Vec<Parameter>,
    #[serde(skip_deserializing)]
    pub blocks: Vec<Block>,
    /// A top-level block that runs when the plan ends, however it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finally_block_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code_mapping: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_system_prompt: Option<String>,
}

fn first_version() -> u8 {
    1
}

impl Definition {
    /// Reads `workflow_definition`, parameter by parameter and block by block.
    pub(super) fn parse(value: Option<&Value>, place: &Place) -> Result<Definition, DefinitionError> {
        let value = match value {
            Some(value @ Value::Object(_)) => value,
            None | Some(Value::Null) => return place.refuse("field required"),
            Some(_) => return place.refuse("expected an object"),
        };
        let mut definition: Definition = place.typed(value)?;
        if !matches!(definition.version, 1 | 2) {
            return place.then("version").refuse("must be 1 or 2");
        }
        let parameters_place = place.then("parameters");
        definition.parameters = match value.get("parameters") {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(index, item)| Parameter::parse(item, &parameters_place.then(index)))
                .collect::<Result<_, _>>()?,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return parameters_place.refuse("expected a list of parameters"),
        };
        definition.blocks = Block::parse_list(value.get("blocks"), &place.then("blocks"))?;
        Ok(definition)
    }
}
