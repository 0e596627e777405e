// Placeholder until the screen is built.
export function PlanRunView({ runId }: { runId: string }) {
  return <p>Steps of {runId}</p>;
}
