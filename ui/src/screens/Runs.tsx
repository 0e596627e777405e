// Placeholder until the screen is built.
export function Runs() {
  return <h1>Runs</h1>;
}
