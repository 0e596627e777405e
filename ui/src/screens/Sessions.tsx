// Placeholder until the screen is built.
export function Sessions() {
  return <h1>Sessions</h1>;
}
