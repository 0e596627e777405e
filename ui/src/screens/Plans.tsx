// Placeholder until the screen is built.
export function Plans() {
  return <h1>Plans</h1>;
}
