// Placeholder until the screen is built.
export function RunDetail({ runId }: { runId: string }) {
  return <h1>Run {runId}</h1>;
}
