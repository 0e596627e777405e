// Placeholder until the screen is built.
export function PlanEditor({ planId }: { planId?: string }) {
  return <h1>Plan {planId ?? 'new'}</h1>;
}
