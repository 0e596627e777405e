// Placeholder until the screen is built.
export function LiveExecution({ runId }: { runId: string }) {
  return <h1>Live {runId}</h1>;
}
