//! Plans (Skyvern's workflows, now "agents"): definitions of blocks that runs execute.

mod stored;

pub use stored::StoredPlan;
