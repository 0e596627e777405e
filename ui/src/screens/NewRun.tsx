// Placeholder until the screen is built.
export function NewRun() {
  return <h1>NewRun</h1>;
}
