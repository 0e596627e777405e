-- Plan runs: the plan version a run runs, and where each block's step sits in the plan.

-- A plan run keeps the plan (wpid_…) and the version (w_…) it was started with; a plan's runs
-- are listed by plan.
ALTER TABLE runs ADD COLUMN plan_id TEXT;
ALTER TABLE runs ADD COLUMN plan_version_id TEXT;
CREATE INDEX runs_by_plan ON runs (plan_id, created_at DESC);

-- A step is one block at one place of a plan run: the block's label, its parent (the loop it
-- runs in), the item of the loop (index and value), and which visit of the block it is (a
-- `next_block_label` pointing back visits a block again). Its step runs are its attempts.
ALTER TABLE steps ADD COLUMN loop_index INTEGER;
ALTER TABLE steps ADD COLUMN loop_value_json TEXT;
ALTER TABLE steps ADD COLUMN visit INTEGER NOT NULL DEFAULT 1;
CREATE INDEX steps_by_parent ON steps (parent_step_id);
CREATE INDEX step_runs_by_step ON step_runs (step_id, attempt);
